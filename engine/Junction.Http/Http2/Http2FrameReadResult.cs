namespace Junction.Http.Http2;

/// <summary>What one call of <see cref="Http2FrameReader.Read"/> produced.</summary>
internal enum Http2FrameReadResult : byte
{
    /// <summary>
    /// The buffer does not hold a whole frame yet (nor a header that is already known to be bad).
    /// Nothing was consumed: advance the pipe to the buffer's start, mark its end examined, read again.
    /// </summary>
    NeedMoreData,

    /// <summary>
    /// A frame that obeys every rule of RFC 9113 §6 that one frame can be checked against. The buffer
    /// now starts after it. The type may be one the enum does not name: ignore such a frame.
    /// </summary>
    Frame,

    /// <summary>
    /// The peer broke a rule; the error says which and whether it is a connection or a stream error.
    /// A stream error comes only once the whole frame has arrived: the frame (also returned, for its
    /// header) has been consumed, and the connection resets the stream and reads on. A connection
    /// error may come as soon as the frame header arrived, with the buffer left as it was: the
    /// connection sends GOAWAY and closes.
    /// </summary>
    Error,
}
