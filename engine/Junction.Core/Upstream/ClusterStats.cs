using Junction.Stats;

namespace Junction.Core.Upstream;

/// <summary>A cluster's stats (Envoy's <c>cluster.&lt;name&gt;.*</c>), resolved once per cluster.</summary>
internal sealed class ClusterStats
{
    public ClusterStats(IStatsScope scope)
    {
        ConnectionsTotal = scope.Counter("upstream_cx_total");
        ConnectionsActive = scope.Gauge("upstream_cx_active");
        ConnectFailures = scope.Counter("upstream_cx_connect_fail");
        ConnectTimeouts = scope.Counter("upstream_cx_connect_timeout");
        Overflow = scope.Counter("upstream_cx_overflow");
        NoneHealthy = scope.Counter("upstream_cx_none_healthy");
        ConnectionsDestroyed = scope.Counter("upstream_cx_destroy");
        BytesReceived = scope.Counter("upstream_cx_rx_bytes_total");
        BytesSent = scope.Counter("upstream_cx_tx_bytes_total");
        MembershipTotal = scope.Gauge("membership_total");
        MembershipHealthy = scope.Gauge("membership_healthy");
        HealthyPanic = scope.Counter("lb_healthy_panic");
        DnsUpdateAttempts = scope.Counter("update_attempt");
        DnsUpdateSuccesses = scope.Counter("update_success");
        DnsUpdateFailures = scope.Counter("update_failure");
        PendingTotal = scope.Counter("upstream_rq_pending_total");
        PendingOverflow = scope.Counter("upstream_rq_pending_overflow");
        PendingActive = scope.Gauge("upstream_rq_pending_active");
        RequestsActive = scope.Gauge("upstream_rq_active");
    }

    public Counter ConnectionsTotal { get; }

    public Gauge ConnectionsActive { get; }

    public Counter ConnectFailures { get; }

    public Counter ConnectTimeouts { get; }

    /// <summary>Connections refused by the max_connections circuit breaker.</summary>
    public Counter Overflow { get; }

    /// <summary>Connection attempts with no host to pick.</summary>
    public Counter NoneHealthy { get; }

    public Counter ConnectionsDestroyed { get; }

    public Counter BytesReceived { get; }

    public Counter BytesSent { get; }

    public Gauge MembershipTotal { get; }

    /// <summary>Hosts that pass their health check (all hosts when there is none).</summary>
    public Gauge MembershipHealthy { get; }

    /// <summary>Picks made among all hosts because too few were healthy (below <c>healthy_panic_threshold</c>).</summary>
    public Counter HealthyPanic { get; }

    public Counter DnsUpdateAttempts { get; }

    public Counter DnsUpdateSuccesses { get; }

    public Counter DnsUpdateFailures { get; }

    /// <summary>Requests that had to wait for a connection (all max_connections busy).</summary>
    public Counter PendingTotal { get; }

    /// <summary>Requests refused because max_pending_requests were waiting already, or max_requests were in flight (503, UO).</summary>
    public Counter PendingOverflow { get; }

    /// <summary>Requests waiting for a connection now.</summary>
    public Gauge PendingActive { get; }

    /// <summary>Requests in flight to the cluster (HTTP exchanges holding a max_requests place).</summary>
    public Gauge RequestsActive { get; }
}
