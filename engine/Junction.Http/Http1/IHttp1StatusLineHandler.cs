namespace Junction.Http.Http1;

/// <summary>Receives a parsed status line of an upstream response.</summary>
internal interface IHttp1StatusLineHandler
{
    /// <summary>
    /// Called once per response, after the whole status line has been validated. The reason span is
    /// valid only during the call.
    /// </summary>
    /// <param name="version">HTTP/1.0 or HTTP/1.1.</param>
    /// <param name="statusCode">100..599.</param>
    /// <param name="reason">The reason phrase, possibly empty; no control characters other than HTAB.</param>
    void OnStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason);
}
