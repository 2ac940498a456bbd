namespace Junction.Http.Http1;

/// <summary>How the end of a message body is found (RFC 9112 §6.3).</summary>
internal enum Http1BodyKind : byte
{
    /// <summary>The message has no body; the next message starts right after the header section.</summary>
    None,
    /// <summary>Exactly <see cref="Http1BodyFraming.ContentLength"/> bytes follow (possibly 0).</summary>
    ContentLength,
    /// <summary>The body is chunked; decode it with <see cref="Http1ChunkedDecoder"/>.</summary>
    Chunked,
    /// <summary>Responses only: the body runs until the server closes the connection.</summary>
    CloseDelimited,
    /// <summary>Responses only: a 2xx answer to CONNECT; the connection becomes a byte tunnel.</summary>
    Tunnel,
    /// <summary>The framing is faulty or ambiguous; see <see cref="Http1BodyFraming.RejectReason"/>. Close the connection.</summary>
    Reject,
}
