namespace Junction.Http.Http2;

/// <summary>
/// The flag bits of a frame header (RFC 9113 §4.1). A bit means something only for the frame types
/// that define it (END_STREAM and ACK share 0x1), and a bit a type does not define must be ignored
/// on receipt, so flags are always tested together with the frame type.
/// </summary>
[Flags]
internal enum Http2Flags : byte
{
    None = 0x0,
    /// <summary>DATA, HEADERS: the last frame the sender sends on this stream.</summary>
    EndStream = 0x1,
    /// <summary>SETTINGS, PING: this frame acknowledges the peer's.</summary>
    Ack = 0x1,
    /// <summary>HEADERS, PUSH_PROMISE, CONTINUATION: the field block is complete with this frame.</summary>
    EndHeaders = 0x4,
    /// <summary>DATA, HEADERS, PUSH_PROMISE: the payload starts with a pad length byte and ends with padding.</summary>
    Padded = 0x8,
    /// <summary>HEADERS: the fragment is preceded by the five bytes of an RFC 7540 priority.</summary>
    Priority = 0x20,
}
