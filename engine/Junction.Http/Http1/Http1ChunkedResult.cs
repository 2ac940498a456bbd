namespace Junction.Http.Http1;

/// <summary>What one call of <see cref="Http1ChunkedDecoder.Decode"/> produced.</summary>
internal enum Http1ChunkedResult : byte
{
    /// <summary>
    /// The input ended inside framing (a chunk-size line, the CRLF after data, a trailer line) or
    /// right at a chunk boundary. Complete framing lines before that point were consumed; call again
    /// with more bytes.
    /// </summary>
    NeedMoreData,

    /// <summary>
    /// The <c>data</c> output holds body bytes (never empty): a slice of the input, possibly part of
    /// a chunk, possibly spanning segments. The reader has moved past them. Call again for more.
    /// </summary>
    Data,

    /// <summary>
    /// The last chunk, the trailer section and its empty line were consumed; trailers (if any) were
    /// reported, then <see cref="IHttp1HeadersHandler.OnHeadersComplete"/>. The reader is at the first
    /// byte after the body (the next message on the connection). Further calls return this again.
    /// </summary>
    Complete,
}
