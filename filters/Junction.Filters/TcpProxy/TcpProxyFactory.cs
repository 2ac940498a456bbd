using Junction.Configuration;
using Junction.Network;
using Junction.Upstream;

namespace Junction.Filters.TcpProxy;

/// <summary>Registers <c>envoy.filters.network.tcp_proxy</c>: forwards a connection's bytes to a cluster and back.</summary>
public sealed class TcpProxyFactory : INetworkFilterFactory
{
    /// <inheritdoc />
    public string Name => "envoy.filters.network.tcp_proxy";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = new[] { "tcp_proxy", "envoy.tcp_proxy" };

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = new[] { "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy" };

    /// <inheritdoc />
    public bool IsTerminal => true;

    /// <inheritdoc />
    public INetworkFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IFilterFactoryContext context)
    {
        var config = TcpProxyConfig.Bind(typedConfig, entry);
        if (config is null) return null;
        var clusters = new List<(IUpstreamCluster, int)>();
        foreach (var weighted in config.Clusters)
        {
            var cluster = context.Clusters.Find(weighted.Name);
            if (cluster is null)
            {
                weighted.Node.Error($"unknown cluster '{weighted.Name}'");
                continue;
            }
            clusters.Add((cluster, weighted.Weight));
        }
        var accessLog = context.CreateAccessLogger(config.AccessLog);
        if (clusters.Count != config.Clusters.Count) return null;
        var stats = new TcpProxyStats(context.Stats.Scope("tcp").Scope(config.StatPrefix));
        return new TcpProxyProvider(clusters, config.IdleTimeout, config.MaxConnectAttempts, stats, accessLog);
    }
}
