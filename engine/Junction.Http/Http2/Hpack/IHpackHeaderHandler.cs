namespace Junction.Http.Http2.Hpack;

/// <summary>Receives the fields of a header block from <see cref="HpackDecoder"/>, in order.</summary>
internal interface IHpackHeaderHandler
{
    /// <summary>Called once per field of the block.</summary>
    /// <param name="name">The field name, as sent: HPACK does not check it (the HTTP/2 layer does).</param>
    /// <param name="value">The field value.</param>
    /// <param name="neverIndex">
    /// True when the field came as a never-indexed literal (RFC 7541 §6.2.3): whoever forwards it
    /// must encode it the same way (<see cref="HpackEncoder.EncodeField"/>'s <c>sensitive</c>).
    /// </param>
    /// <remarks>
    /// The spans are valid only during the call: they point into the block, the decoder's dynamic
    /// table or its scratch buffer. A handler that keeps a field copies it.
    /// </remarks>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex);
}
