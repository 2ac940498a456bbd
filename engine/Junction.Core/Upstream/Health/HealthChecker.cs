using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// A cluster's active health checker: one <see cref="HostHealthSession"/> per host, each on its own
/// timer. Follows the cluster's host set: DNS adding a host starts a session for it, removing one stops
/// its session. Knows whether the cluster has had traffic (its first upstream connection, as Envoy's
/// <c>upstream_cx_total</c> being used), which moves probes from the no-traffic intervals to the regular ones.
/// </summary>
internal sealed class HealthChecker : IAsyncDisposable
{
    private readonly Cluster _cluster;
    private readonly HealthCheckConfig _config;
    private readonly IHealthProbe _probe;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<UpstreamHost, HostHealthSession> _sessions = new(ReferenceEqualityComparer.Instance);
    // Cancelled once the cluster has had traffic: sessions waiting out a no-traffic interval wake up.
    private readonly CancellationTokenSource _traffic = new();
    private int _trafficSeen;
    private bool _started;
    private bool _stopped;

    public HealthChecker(Cluster cluster, HealthCheckConfig config, IHealthProbe probe, HealthCheckStats stats, ILogger logger)
    {
        _cluster = cluster;
        _config = config;
        _probe = probe;
        Stats = stats;
        _logger = logger;
        // The stats outlive a reload: a cluster that carried traffic before it was reloaded has had traffic.
        if (cluster.Stats.ConnectionsTotal.Value > 0) OnTraffic();
    }

    /// <summary>True once the cluster has had traffic.</summary>
    public bool HadTraffic => Volatile.Read(ref _trafficSeen) == 1;

    /// <summary>
    /// Called by the cluster for each upstream connection it opens; only the first does anything. The
    /// sessions are woken from the thread pool, never on the caller's (a request's) thread.
    /// </summary>
    public void OnTraffic()
    {
        if (Volatile.Read(ref _trafficSeen) == 1 || Interlocked.Exchange(ref _trafficSeen, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(static traffic => traffic.Cancel(), _traffic, preferLocal: false);
    }

    public HealthCheckStats Stats { get; }

    /// <summary>
    /// Starts a session for every current host. The task completes when each has its first result, so
    /// warm-up can wait for it as Envoy's cluster initialisation does (each probe is bounded by <c>timeout</c>).
    /// </summary>
    public Task StartAsync()
    {
        List<Task> first;
        lock (_lock)
        {
            _started = true;
            Reconcile(_cluster.Hosts);
            first = _sessions.Values.Select(s => s.FirstProbe).ToList();
        }
        return Task.WhenAll(first);
    }

    /// <summary>Called by the cluster whenever its host set changes.</summary>
    public void HostsChanged(HostSet hosts)
    {
        lock (_lock)
        {
            if (_started && !_stopped) Reconcile(hosts);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<HostHealthSession> sessions;
        lock (_lock)
        {
            _stopped = true;
            sessions = _sessions.Values.ToList();
            _sessions.Clear();
        }
        foreach (var session in sessions) await session.StopAsync().ConfigureAwait(false);
    }

    private void Reconcile(HostSet hosts)
    {
        var current = new HashSet<UpstreamHost>(hosts.Hosts, ReferenceEqualityComparer.Instance);
        foreach (var (host, session) in _sessions.ToList())
        {
            if (current.Contains(host)) continue;
            _sessions.Remove(host);
            _ = session.StopAsync();
        }
        foreach (var host in hosts.Hosts)
        {
            if (_sessions.ContainsKey(host)) continue;
            var session = new HostHealthSession(host, _config, _probe, Stats, _cluster.OnHostHealthChanged, _logger, _traffic.Token);
            _sessions.Add(host, session);
            session.Start();
        }
    }
}
