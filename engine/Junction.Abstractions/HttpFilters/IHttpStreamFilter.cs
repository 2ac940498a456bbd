namespace Junction.HttpFilters;

/// <summary>
/// A filter instance for one HTTP stream (one request and its response). Implement
/// <see cref="IHttpDecoderFilter"/> to see the request, <see cref="IHttpEncoderFilter"/> to see the
/// response, or both. Decoder filters run in configuration order, encoder filters in reverse order
/// (the filter nearest the client sees the request first and the response last).
/// </summary>
/// <remarks>
/// The callbacks of one stream are never called concurrently, and each is awaited before the stream
/// goes on, so a filter may <c>await</c> inside one (an external check, a lookup) without any locking.
/// </remarks>
public interface IHttpStreamFilter
{
    /// <summary>Called once, before any other callback, with the stream's callbacks.</summary>
    void Initialize(IHttpFilterCallbacks callbacks);
}

/// <summary>A filter that sees (and may change, hold or answer) the request.</summary>
public interface IHttpDecoderFilter : IHttpStreamFilter
{
    /// <summary>The request headers; <paramref name="endOfStream"/> is true when the request has no body.</summary>
    ValueTask<HttpFilterStatus> DecodeHeadersAsync(IHttpRequestHeaders headers, bool endOfStream);

    /// <summary>A piece of the request body (or all of it so far, after <see cref="HttpFilterStatus.StopAndBuffer"/>).</summary>
    ValueTask<HttpFilterStatus> DecodeDataAsync(HttpBody body, bool endOfStream) => ValueTask.FromResult(HttpFilterStatus.Continue);

    /// <summary>The request trailers (chunked requests that carry some); the request ends after them.</summary>
    ValueTask<HttpFilterStatus> DecodeTrailersAsync(IHttpHeaderMap trailers) => ValueTask.FromResult(HttpFilterStatus.Continue);
}

/// <summary>A filter that sees (and may change or hold) the response, including the proxy's own local replies.</summary>
public interface IHttpEncoderFilter : IHttpStreamFilter
{
    /// <summary>The response headers; <paramref name="endOfStream"/> is true when the response has no body.</summary>
    ValueTask<HttpFilterStatus> EncodeHeadersAsync(IHttpResponseHeaders headers, bool endOfStream);

    /// <summary>A piece of the response body (or all of it so far, after <see cref="HttpFilterStatus.StopAndBuffer"/>).</summary>
    ValueTask<HttpFilterStatus> EncodeDataAsync(HttpBody body, bool endOfStream) => ValueTask.FromResult(HttpFilterStatus.Continue);

    /// <summary>The response trailers; the response ends after them.</summary>
    ValueTask<HttpFilterStatus> EncodeTrailersAsync(IHttpHeaderMap trailers) => ValueTask.FromResult(HttpFilterStatus.Continue);
}
