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
        RetrySuccesses = scope.Counter("upstream_rq_retry_success");
        RetryOverflows = scope.Counter("upstream_rq_retry_overflow");
        RetryLimitExceeded = scope.Counter("upstream_rq_retry_limit_exceeded");
        RetryBackOffs = scope.Counter("upstream_rq_retry_backoff_exponential");
        PerTryTimeouts = scope.Counter("upstream_rq_per_try_timeout");
        RetryAbandoned = scope.Counter("retry_or_shadow_abandoned");
        ResetsBeforeResponse = scope.Counter("upstream_rq_rx_reset");
        RequestTime = scope.Histogram("upstream_rq_time");
    }

    public Counter RequestsTotal { get; }

    public Counter[] ResponsesByClass { get; }

    public Counter Timeouts { get; }

    /// <summary>Retries made: by a retry policy, or re-sent on a fresh connection after a reused one was found closed.</summary>
    public Counter Retries { get; }

    /// <summary>Retried requests whose last attempt needed no further retry.</summary>
    public Counter RetrySuccesses { get; }

    /// <summary>Retries not made because max_retries (or the retry budget) were in flight.</summary>
    public Counter RetryOverflows { get; }

    /// <summary>Retries not made because the request had used all its retries (num_retries, x-envoy-max-retries).</summary>
    public Counter RetryLimitExceeded { get; }

    /// <summary>Retries that waited Envoy's jittered exponential back-off.</summary>
    public Counter RetryBackOffs { get; }

    /// <summary>Attempts that got no response head within the policy's per_try_timeout.</summary>
    public Counter PerTryTimeouts { get; }

    /// <summary>Requests whose body outgrew the buffer limit, so they could no longer be retried.</summary>
    public Counter RetryAbandoned { get; }

    /// <summary>Upstream resets or closes before a complete response.</summary>
    public Counter ResetsBeforeResponse { get; }

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
