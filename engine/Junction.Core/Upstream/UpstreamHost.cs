using System.Net;
using Junction.Core.Upstream.Outlier;
using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>One upstream address of a cluster, with its weight, live connection count and health.</summary>
internal sealed class UpstreamHost(IPEndPoint address, int weight, string? hostname) : IUpstreamHost
{
    private int _activeConnections;
    private volatile bool _failedActiveHealthCheck;
    private volatile bool _failedOutlierCheck;

    public IPEndPoint Address { get; } = address;

    /// <summary>The endpoint's <c>load_balancing_weight</c> (at least 1).</summary>
    public int Weight { get; } = weight;

    /// <summary>The DNS name the address came from, if any (shown by admin).</summary>
    public string? Hostname { get; } = hostname;

    /// <summary>Open connections to this host; least-request balancing reads it.</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    public void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    /// <summary>
    /// False while the active health check says the host is down (<c>FAILED_ACTIVE_HC</c>) or outlier
    /// detection has ejected it (<c>FAILED_OUTLIER_CHECK</c>): either keeps it out of load balancing.
    /// </summary>
    public bool IsHealthy => !_failedActiveHealthCheck && !_failedOutlierCheck;

    /// <summary>Envoy's <c>FAILED_ACTIVE_HC</c> flag. Hosts of a cluster without health checks never have it.</summary>
    public bool FailedActiveHealthCheck => _failedActiveHealthCheck;

    /// <summary>Envoy's <c>FAILED_OUTLIER_CHECK</c> flag: outlier detection has ejected the host.</summary>
    public bool FailedOutlierCheck => _failedOutlierCheck;

    /// <summary>Sets or clears the failed-active-health-check flag; the cluster recomputes its healthy set after.</summary>
    public void SetFailedActiveHealthCheck(bool failed) => _failedActiveHealthCheck = failed;

    /// <summary>Sets or clears the failed-outlier-check flag (the detector does); the cluster recomputes its healthy set after.</summary>
    public void SetFailedOutlierCheck(bool failed) => _failedOutlierCheck = failed;

    /// <summary>The host's outlier detection state; null when the cluster has no <c>outlier_detection</c>.</summary>
    public HostOutlierMonitor? Outlier { get; set; }

    public void ReportHttpStatus(int status) => Outlier?.OnHttpStatus(status);

    public void ReportLocalOrigin(LocalOriginResult result) => Outlier?.OnLocalOrigin(result);
}
