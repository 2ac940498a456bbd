using Junction.AccessLog;
using Junction.Http.ConnectionManager.Filters;
using Junction.Http.Http1;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The connection manager's compiled configuration: routes, limits, stats and access log, shared by
/// every connection of its listener. Creates one <see cref="Http1ServerConnection"/> per connection.
/// </summary>
internal sealed class HttpConnectionManagerProvider(
    HttpRouter router,
    Http1ParserLimits limits,
    HttpConnectionManagerStats stats,
    IAccessLogger accessLog,
    byte[]? serverName,
    bool useRemoteAddress,
    int xffNumTrustedHops,
    bool generateRequestId,
    bool allowWebSocket,
    ConnectionTimeouts timeouts,
    HttpFilterChainConfig filters,
    HttpCodec codec,
    Http2.Http2Options http2) : INetworkFilterProvider
{
    public Http1ParserLimits Limits { get; } = limits;

    public HttpConnectionManagerStats Stats { get; } = stats;

    public IAccessLogger AccessLog { get; } = accessLog;

    /// <summary>The <c>server</c> header value written on every response (Envoy overwrites the upstream's).</summary>
    public byte[]? ServerName { get; } = serverName;

    public bool UseRemoteAddress { get; } = useRemoteAddress;

    /// <summary><c>xff_num_trusted_hops</c>: proxies on the right of x-forwarded-for trusted to report the client.</summary>
    public int XffNumTrustedHops { get; } = xffNumTrustedHops;

    public bool GenerateRequestId { get; } = generateRequestId;

    /// <summary><c>upgrade_configs</c> has websocket: such requests keep their Upgrade and may become tunnels.</summary>
    public bool AllowWebSocket { get; } = allowWebSocket;

    /// <summary>Stream and connection timeouts; see <c>Http1ServerConnection.Timeouts.cs</c>.</summary>
    public ConnectionTimeouts Timeouts { get; } = timeouts;

    /// <summary>The HTTP filters before the router (often none: then requests take the direct path).</summary>
    public HttpFilterChainConfig Filters { get; } = filters;

    /// <summary>Which protocol clients speak (<c>codec_type</c>).</summary>
    public HttpCodec Codec { get; } = codec;

    /// <summary><c>http2_protocol_options</c>.</summary>
    public Http2.Http2Options Http2 { get; } = http2;

    /// <summary>The HTTP/2 stats, <c>http.&lt;stat_prefix&gt;.http2.*</c>.</summary>
    public Http2.Http2Stats Http2Stats { get; } = new(stats.Scope.Scope("http2"));

    public void CreateFilters(INetworkFilterChainBuilder chain)
    {
        switch (Codec)
        {
            case HttpCodec.Http2:
                chain.AddReadFilter(new Http2.Http2ServerConnection(this));
                break;
            case HttpCodec.Auto:
                chain.AddReadFilter(new CodecSelector(this));
                break;
            default:
                chain.AddReadFilter(new Http1ServerConnection(this));
                break;
        }
    }

    /// <summary>Some route sets idle_timeout, so connections need a timer even with every connection manager timeout off.</summary>
    public bool HasRouteIdleTimeouts { get; } = router.HasRouteIdleTimeouts;

    public RouteOutcome Route(MessageHead request, System.Net.EndPoint? source) => router.Route(request, source);
}
