using System.Text;
using Junction.Configuration;
using Junction.Http.ConnectionManager.Filters;
using Junction.Http.Filters;
using Junction.Http.Http1;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>Registers <c>envoy.filters.network.http_connection_manager</c>: HTTP/1.1 proxying with a route table.</summary>
public sealed class HttpConnectionManagerFactory : INetworkFilterFactory
{
    private readonly HttpFilterRegistry _httpFilters;

    /// <summary>A factory whose connection managers know the HTTP filters in <paramref name="httpFilters"/> (besides the router).</summary>
    public HttpConnectionManagerFactory(HttpFilterRegistry? httpFilters = null) => _httpFilters = httpFilters ?? new HttpFilterRegistry();

    /// <inheritdoc />
    public string Name => "envoy.filters.network.http_connection_manager";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = new[] { "http_connection_manager", "envoy.http_connection_manager" };

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = new[] { "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" };

    /// <inheritdoc />
    public bool IsTerminal => true;

    /// <inheritdoc />
    public INetworkFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IFilterFactoryContext context)
    {
        var config = HttpConnectionManagerConfig.Bind(typedConfig, entry);
        if (config is null) return null;
        var router = HttpRouter.Create(config.RouteConfig, context.Clusters, config.NormalizePath, config.MergeSlashes);
        var accessLog = context.CreateAccessLogger(config.AccessLog);
        var scope = context.Stats.Scope("http").Scope(config.StatPrefix);
        var filterContext = new HttpFilterFactoryContext(context, scope);
        var filters = HttpFilterChainBinder.Bind(config.HttpFilters, _httpFilters, filterContext);
        if (router is null || filters is null) return null;
        if (!HttpFilterChainBinder.BindRouteConfigs(router.Table, filters, filterContext)) return null;
        var limits = new Http1ParserLimits
        {
            MaxHeaderBytes = config.MaxRequestHeadersBytes,
            MaxHeaderCount = config.MaxHeadersCount,
        };
        var stats = new HttpConnectionManagerStats(scope, context.Stats);
        return new HttpConnectionManagerProvider(router, limits, stats, accessLog,
            config.ServerName is { Length: > 0 } server ? Encoding.ASCII.GetBytes(server) : null,
            config.UseRemoteAddress, config.XffNumTrustedHops, config.GenerateRequestId, config.UpgradeTypes.Contains("websocket"),
            ConnectionTimeouts.From(config.Timeouts), filters, config.Codec, config.Http2);
    }
}
