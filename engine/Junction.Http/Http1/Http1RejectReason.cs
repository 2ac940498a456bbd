namespace Junction.Http.Http1;

/// <summary>
/// Why an HTTP/1 message was refused. Each value names one rule, so that a stat or an access log
/// flag can say exactly what the peer did. <see cref="Http1RejectReasonExtensions.ToStatusCode"/>
/// gives the status a server answers a request with; a malformed upstream response always becomes 502.
/// </summary>
internal enum Http1RejectReason : byte
{
    /// <summary>Not a rejection (the default of a framing result that is not <c>Reject</c>).</summary>
    None = 0,

    // Line endings (RFC 9112 §2.2: a line ends with CRLF; bare CR must be rejected or replaced, and
    // a bare LF is accepted by lenient parsers only — both enable request smuggling behind a proxy).

    /// <summary>A line ended with LF not preceded by CR.</summary>
    BareLineFeed,
    /// <summary>A CR was followed by something other than LF.</summary>
    BareCarriageReturn,

    // Request line (RFC 9112 §3).

    /// <summary>The request line, CRLF included, is longer than <see cref="Http1ParserLimits.MaxStartLineBytes"/>. 414.</summary>
    RequestLineTooLong,
    /// <summary>The request line is not three parts separated by single spaces.</summary>
    InvalidRequestLine,
    /// <summary>The method is empty or contains a byte that is not a token character.</summary>
    InvalidMethod,
    /// <summary>The request target is empty or contains a control character.</summary>
    InvalidRequestTarget,
    /// <summary>The version is not exactly <c>HTTP/1.0</c> or <c>HTTP/1.1</c>. 505.</summary>
    InvalidVersion,
    /// <summary>The line is <c>PRI * HTTP/2.0</c>: an HTTP/2 prior-knowledge client on an HTTP/1 listener. 505.</summary>
    Http2Preface,

    // Status line (RFC 9112 §4).

    /// <summary>The status line, CRLF included, is longer than <see cref="Http1ParserLimits.MaxStartLineBytes"/>.</summary>
    StatusLineTooLong,
    /// <summary>The status line is not <c>HTTP-version SP 3DIGIT SP reason</c>, or the reason has a control character.</summary>
    InvalidStatusLine,
    /// <summary>The status code is not three digits in 100..599.</summary>
    InvalidStatusCode,

    // Field lines, in the header section and in chunked trailers (RFC 9112 §5).

    /// <summary>A field line starts with SP or HTAB (obsolete line folding, or whitespace after the start line).</summary>
    ObsFold,
    /// <summary>A field line has no colon.</summary>
    MissingColon,
    /// <summary>A field line starts with a colon.</summary>
    EmptyHeaderName,
    /// <summary>Whitespace between the field name and the colon (RFC 9112 §5.1: must be rejected with 400).</summary>
    WhitespaceInHeaderName,
    /// <summary>The field name contains a byte that is not a token character.</summary>
    InvalidHeaderName,
    /// <summary>The field value contains a control character other than HTAB (NUL, CR, LF, DEL, ...).</summary>
    InvalidHeaderValue,
    /// <summary>The field lines of one section exceed <see cref="Http1ParserLimits.MaxHeaderBytes"/>. 431.</summary>
    HeadersTooLarge,
    /// <summary>One section has more than <see cref="Http1ParserLimits.MaxHeaderCount"/> field lines. 431.</summary>
    TooManyHeaders,

    // Chunked transfer coding (RFC 9112 §7.1).

    /// <summary>A chunk-size line does not start with a hex digit, or a non-hex byte follows the digits.</summary>
    InvalidChunkSize,
    /// <summary>A chunk size is above 2^63-1 or above <see cref="Http1ParserLimits.MaxChunkSize"/>.</summary>
    ChunkSizeTooLarge,
    /// <summary>What follows the chunk size is not <c>BWS ";" ...</c> or contains a control character.</summary>
    InvalidChunkExtension,
    /// <summary>A chunk-size line (size and extensions) is longer than <see cref="Http1ParserLimits.MaxChunkLineBytes"/>.</summary>
    ChunkLineTooLong,
    /// <summary>The bytes after a chunk's data are not CRLF (the chunk is longer than its size said).</summary>
    ChunkDataNotTerminated,

    // Message framing (RFC 9112 §6), decided by Http1Framing.

    /// <summary>A Content-Length value (or list element) is not 1*DIGIT, or overflows a 63-bit length.</summary>
    InvalidContentLength,
    /// <summary>Content-Length occurs with different values.</summary>
    ConflictingContentLength,
    /// <summary>Both Content-Length and Transfer-Encoding are present.</summary>
    ContentLengthWithTransferEncoding,
    /// <summary>Transfer-Encoding is empty, applies chunked twice, or (in a request) does not end with chunked.</summary>
    InvalidTransferEncoding,
    /// <summary>Transfer-Encoding ends with chunked but has other codings before it, which the proxy does not decode. 501.</summary>
    UnsupportedTransferEncoding,
    /// <summary>Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1: the framing is faulty).</summary>
    TransferEncodingInHttp10,
    /// <summary>An HTTP/1.1 request without a Host field, or with more than one (RFC 9112 §3.2). 400.</summary>
    InvalidHost,
}
