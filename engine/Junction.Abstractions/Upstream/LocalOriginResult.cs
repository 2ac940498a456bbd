namespace Junction.Upstream;

/// <summary>
/// What the proxy itself observed about a host, as opposed to a status the host sent (Envoy's
/// "locally originated" events). Without <c>split_external_local_origin_errors</c> the failures count as
/// the HTTP status Envoy maps them to (503, or 504 for a timeout); with it they count on their own.
/// </summary>
public enum LocalOriginResult
{
    /// <summary>A connection was established; a protocol runs on top and reports its own outcome.</summary>
    ConnectSucceeded,

    /// <summary>
    /// A connection was established and that is the whole exchange (tcp_proxy): counts as a success
    /// (an HTTP 200) even without the split.
    /// </summary>
    ConnectSucceededFinal,

    /// <summary>The connection was refused, unreachable or not accepted within <c>connect_timeout</c> (503).</summary>
    ConnectFailed,

    /// <summary>The host did not answer within the route's timeout (504).</summary>
    Timeout,

    /// <summary>The host reset or closed the connection before a complete response, or sent garbage (503).</summary>
    Reset,
}
