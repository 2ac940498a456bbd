using System.Runtime.CompilerServices;
using Junction.Stats;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// A cluster's request-level stats (Envoy's <c>cluster.&lt;name&gt;.upstream_rq_*</c>), next to the
/// connection-level ones the cluster keeps itself. Resolved once per cluster object and cached on it.
/// </summary>
internal sealed class UpstreamRequestStats
{
    private static readonly ConditionalWeakTable<IUpstreamCluster, UpstreamRequestStats> s_byCluster = new();

    private UpstreamRequestStats(IStatsScope scope)
    {
        RequestsTotal = scope.Counter("upstream_rq_total");
        ResponsesByClass = new[]
        {
            scope.Counter("upstream_rq_1xx"), scope.Counter("upstream_rq_1xx"), scope.Counter("upstream_rq_2xx"),
            scope.Counter("upstream_rq_3xx"), scope.Counter("upstream_rq_4xx"), scope.Counter("upstream_rq_5xx"),
        };
        Timeouts = scope.Counter("upstream_rq_timeout");
        Retries = scope.Counter("upstream_rq_retry");
        ResetsBeforeResponse = scope.Counter("upstream_rq_rx_reset");
        RequestTime = scope.Histogram("upstream_rq_time");
        Fallbacks = scope.Counter("upstream_rq_fallback");
    }

    public Counter RequestsTotal { get; }

    public Counter[] ResponsesByClass { get; }

    public Counter Timeouts { get; }

    /// <summary>Requests re-sent on a fresh connection after a reused one was found closed.</summary>
    public Counter Retries { get; }

    /// <summary>Upstream resets or closes before a complete response.</summary>
    public Counter ResetsBeforeResponse { get; }

    /// <summary>Requests the route's <c>junction_fallback</c> took because this cluster could not (Junction's own stat).</summary>
    public Counter Fallbacks { get; }

    /// <summary>Milliseconds from the request head sent upstream to the response complete.</summary>
    public Histogram RequestTime { get; }

    public static UpstreamRequestStats For(IUpstreamCluster cluster, IStatsScope root) =>
        s_byCluster.TryGetValue(cluster, out var stats) ? stats : Create(cluster, root);

    // Apart from For, so the closure over root is allocated only when the stats are first created.
    private static UpstreamRequestStats Create(IUpstreamCluster cluster, IStatsScope root) =>
        s_byCluster.GetValue(cluster, c => new UpstreamRequestStats(root.Scope("cluster").Scope(c.Name)));

    public void CountResponse(int status)
    {
        var digit = status / 100;
        if (digit is >= 1 and <= 5) ResponsesByClass[digit].Increment();
    }
}
