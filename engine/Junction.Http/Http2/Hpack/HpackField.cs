namespace Junction.Http.Http2.Hpack;

/// <summary>A header field to encode with <see cref="HpackEncoder.EncodeBlock"/>.</summary>
/// <param name="Name">The field name, lowercase as HTTP/2 requires (RFC 9113 §8.2.1).</param>
/// <param name="Value">The field value.</param>
/// <param name="Sensitive">
/// Encode as a never-indexed literal (RFC 7541 §7.1.3) even if the name is not one the encoder
/// treats as sensitive by itself; set it for fields that arrived never-indexed.
/// </param>
internal readonly record struct HpackField(ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value, bool Sensitive = false);
