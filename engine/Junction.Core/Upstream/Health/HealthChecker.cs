using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// A cluster's active health checker: one <see cref="HostHealthSession"/> per host, each on its own
/// timer. Follows the cluster's host set: DNS adding a host starts a session for it, removing one stops
/// its session.
/// </summary>
internal sealed class HealthChecker : IAsyncDisposable
{
    private readonly Cluster _cluster;
    private readonly HealthCheckConfig _config;
    private readonly IHealthProbe _probe;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<UpstreamHost, HostHealthSession> _sessions = new(ReferenceEqualityComparer.Instance);
    private bool _started;
    private bool _stopped;

    public HealthChecker(Cluster cluster, HealthCheckConfig config, IHealthProbe probe, HealthCheckStats stats, ILogger logger)
    {
        _cluster = cluster;
        _config = config;
        _probe = probe;
        Stats = stats;
        _logger = logger;
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
            var session = new HostHealthSession(host, _config, _probe, Stats, _cluster.OnHostHealthChanged, _logger);
            _sessions.Add(host, session);
            session.Start();
        }
    }
}
