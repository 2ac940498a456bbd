using Junction.AccessLog;

namespace Junction.HttpFilters;

/// <summary>What the connection manager offers a filter on one stream.</summary>
public interface IHttpFilterCallbacks
{
    /// <summary>The stream's info (addresses, timings, flags), as the access log will see it.</summary>
    StreamInfo Info { get; }

    /// <summary>The request headers (available from the first decoder callback on).</summary>
    IHttpRequestHeaders RequestHeaders { get; }

    /// <summary>The name of the route the request matches now, or null (no route, or an unnamed one).</summary>
    string? RouteName { get; }

    /// <summary>The cluster the route sends the request to, or null (no route, redirect, direct response).</summary>
    string? ClusterName { get; }

    /// <summary>
    /// This filter's per-route configuration (the route's <c>typed_per_filter_config</c> entry for the
    /// filter's name, else its virtual host's), as bound by <see cref="IHttpFilterFactory.BindRouteConfig"/>;
    /// null when neither has one or it is not a <typeparamref name="T"/>.
    /// </summary>
    T? RouteConfig<T>()
        where T : class;

    /// <summary>
    /// Forgets the route chosen so far, so that it is chosen again from the (changed) request headers
    /// when next asked for, at the latest when the request reaches the router.
    /// </summary>
    void ClearRouteCache();

    /// <summary>
    /// Resumes the request after this filter returned <see cref="HttpFilterStatus.StopIteration"/>. May be
    /// called from any thread; calling it when the request is not paused by this filter does nothing.
    /// </summary>
    void ContinueDecoding();

    /// <summary>Resumes the response after <see cref="HttpFilterStatus.StopIteration"/>; as <see cref="ContinueDecoding"/>.</summary>
    void ContinueEncoding();

    /// <summary>
    /// Answers the request from the proxy instead of forwarding it (or instead of the upstream's response,
    /// if none of it has reached the client yet). Encoder filters see the reply like any response. Call it
    /// from a decoder callback and return <see cref="HttpFilterStatus.StopIteration"/>, or call it later
    /// (from any thread) to end a paused stream. Only the first call counts.
    /// </summary>
    /// <param name="status">The status code (200–599).</param>
    /// <param name="body">A plain-text body, or null for none.</param>
    /// <param name="details">Why, for the access log's <c>%RESPONSE_CODE_DETAILS%</c>; e.g. <c>rate_limited</c>.</param>
    void SendLocalReply(int status, string? body = null, string? details = null);

    /// <summary>Cancelled when the stream ends early (the client went away, a timeout, a reset).</summary>
    CancellationToken StreamAborted { get; }
}
