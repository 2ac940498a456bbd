namespace Junction.Http.Http1;

/// <summary>Receives a parsed request line. Implemented by a struct so the parser is specialised for it.</summary>
internal interface IHttp1RequestLineHandler
{
    /// <summary>
    /// Called once per request, after the whole request line (CRLF included) has been validated.
    /// The spans point into the input (or into a scratch copy when the line crossed a segment
    /// boundary) and are valid only during the call: copy what must be kept.
    /// </summary>
    /// <param name="method">The method, or <see cref="Http1Method.Custom"/> for one not in the enum.</param>
    /// <param name="methodBytes">The method exactly as sent (a token, case preserved).</param>
    /// <param name="target">The request target as sent: non-empty, no SP or control characters.</param>
    /// <param name="version">HTTP/1.0 or HTTP/1.1.</param>
    void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version);
}
