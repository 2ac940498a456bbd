using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>
/// What lies past the filters: the connection manager, which routes and forwards the request and writes
/// the response. Each method returns false when it ended the stream itself (say, it answered an upstream
/// failure), so the chain stops.
/// </summary>
internal interface IHttpFilterChainSink
{
    /// <summary>The current routing decision, made on first use.</summary>
    ref RouteOutcome CurrentRoute();

    /// <summary>Forgets the routing decision (a filter changed what it depends on).</summary>
    void ClearRoute();

    /// <summary>The request headers passed every decoder filter.</summary>
    /// <param name="endOfStream">No body follows.</param>
    /// <param name="wholeBodyLength">The whole body's length when all of it is already in hand, else -1.</param>
    ValueTask<bool> RequestHeadersAsync(bool endOfStream, int wholeBodyLength);

    /// <summary>Request body bytes passed every decoder filter.</summary>
    ValueTask<bool> RequestDataAsync(HttpBody body, bool endOfStream);

    /// <summary>The request trailers passed every decoder filter; the request is complete.</summary>
    ValueTask<bool> RequestTrailersAsync();

    /// <summary>The response headers passed every encoder filter.</summary>
    ValueTask<bool> ResponseHeadersAsync(bool endOfStream, int wholeBodyLength);

    /// <summary>Response body bytes passed every encoder filter.</summary>
    ValueTask<bool> ResponseDataAsync(HttpBody body, bool endOfStream);

    /// <summary>The response trailers passed every encoder filter; the response is complete.</summary>
    ValueTask<bool> ResponseTrailersAsync();
}
