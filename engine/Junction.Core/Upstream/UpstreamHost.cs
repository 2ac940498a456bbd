using System.Net;

namespace Junction.Core.Upstream;

/// <summary>One upstream address of a cluster, with its weight, live connection count and health.</summary>
internal sealed class UpstreamHost(IPEndPoint address, int weight, string? hostname) : Junction.Upstream.IUpstreamHost
{
    private int _activeConnections;
    private volatile bool _failedActiveHealthCheck;

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
    /// False while the active health check says the host is down (Envoy's <c>FAILED_ACTIVE_HC</c> flag).
    /// Hosts of a cluster without health checks are always healthy.
    /// </summary>
    public bool IsHealthy => !_failedActiveHealthCheck;

    /// <summary>Sets or clears the failed-active-health-check flag; the cluster recomputes its healthy set after.</summary>
    public void SetFailedActiveHealthCheck(bool failed) => _failedActiveHealthCheck = failed;
}
