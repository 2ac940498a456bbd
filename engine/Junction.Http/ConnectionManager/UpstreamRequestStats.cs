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

    // gRPC methods get counters of their own; a cap keeps a client inventing paths from growing the store.
    private const int MaxGrpcMethods = 1000;

    private readonly IStatsScope _scope;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, GrpcMethodStats> _grpcMethods = new(StringComparer.Ordinal);

    private UpstreamRequestStats(IStatsScope scope)
    {
        _scope = scope;
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
        Fallbacks = scope.Counter("upstream_rq_fallback");
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

    /// <summary>Requests the route's <c>junction_fallback</c> took because this cluster could not (Junction's own stat).</summary>
    public Counter Fallbacks { get; }

    /// <summary>Milliseconds from the request head sent upstream to the response complete.</summary>
    public Histogram RequestTime { get; }

    public static UpstreamRequestStats For(IUpstreamCluster cluster, IStatsScope root) =>
        s_byCluster.TryGetValue(cluster, out var stats) ? stats : Create(cluster, root);

    // Apart from For, so the closure over root is allocated only when the stats are first created.
    private static UpstreamRequestStats Create(IUpstreamCluster cluster, IStatsScope root) =>
        s_byCluster.GetValue(cluster, c => new UpstreamRequestStats(root.Scope("cluster").Scope(c.Name)));

    /// <summary>
    /// Counts a finished gRPC call as Envoy's grpc_stats filter names it:
    /// <c>cluster.&lt;name&gt;.grpc.&lt;service&gt;.&lt;method&gt;.&lt;grpc-status&gt;</c>, plus <c>.success</c>
    /// (status 0), <c>.failure</c> and <c>.total</c>.
    /// </summary>
    public void CountGrpc(ReadOnlySpan<byte> path, int grpcStatus)
    {
        // "/package.Service/Method"
        if (path.Length < 4 || path[0] != (byte)'/') return;
        var slash = path[1..].IndexOf((byte)'/');
        if (slash <= 0 || path[(slash + 2)..].IndexOf((byte)'/') >= 0) return;
        var key = System.Text.Encoding.ASCII.GetString(path);
        if (!_grpcMethods.TryGetValue(key, out var method))
        {
            if (_grpcMethods.Count >= MaxGrpcMethods) return;
            var service = key[1..(slash + 1)];
            var name = key[(slash + 2)..];
            method = _grpcMethods.GetOrAdd(key, _ => new GrpcMethodStats(_scope.Scope("grpc").Scope(service).Scope(name)));
        }
        method.Count(grpcStatus);
    }

    /// <summary>One gRPC method's counters.</summary>
    private sealed class GrpcMethodStats(IStatsScope scope)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Counter> _byStatus = new();
        private readonly Counter _success = scope.Counter("success");
        private readonly Counter _failure = scope.Counter("failure");
        private readonly Counter _total = scope.Counter("total");

        public void Count(int status)
        {
            // gRPC defines 17 codes (0-16); anything else is counted as the UNKNOWN it means.
            if (status is < 0 or > 16) status = 2;
            _byStatus.GetOrAdd(status, static (code, s) => s.Counter(code.ToString(System.Globalization.CultureInfo.InvariantCulture)), scope).Increment();
            (status == 0 ? _success : _failure).Increment();
            _total.Increment();
        }
    }

    public void CountResponse(int status)
    {
        var digit = status / 100;
        if (digit is >= 1 and <= 5) ResponsesByClass[digit].Increment();
    }
}
