using Junction.AccessLog;
using Junction.Network;
using Junction.Upstream;

namespace Junction.Filters.TcpProxy;

/// <summary>tcp_proxy's compiled configuration: resolved clusters, stats and access log, shared by its connections.</summary>
internal sealed class TcpProxyProvider(
    IReadOnlyList<(IUpstreamCluster Cluster, int Weight)> clusters,
    TimeSpan? idleTimeout,
    int maxConnectAttempts,
    TcpProxyStats stats,
    IAccessLogger accessLog) : INetworkFilterProvider
{
    private readonly int _totalWeight = clusters.Sum(c => c.Weight);

    public TimeSpan? IdleTimeout { get; } = idleTimeout;

    public int MaxConnectAttempts { get; } = maxConnectAttempts;

    public TcpProxyStats Stats { get; } = stats;

    public IAccessLogger AccessLog { get; } = accessLog;

    public void CreateFilters(INetworkFilterChainBuilder chain) => chain.AddReadFilter(new TcpProxyFilter(this));

    /// <summary>The cluster for a new connection: the only one, or one drawn by weight.</summary>
    public IUpstreamCluster PickCluster()
    {
        if (clusters.Count == 1) return clusters[0].Cluster;
        var point = Random.Shared.Next(_totalWeight);
        foreach (var (cluster, weight) in clusters)
        {
            point -= weight;
            if (point < 0) return cluster;
        }
        return clusters[^1].Cluster;
    }
}
