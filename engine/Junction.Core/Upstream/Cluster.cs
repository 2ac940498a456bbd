using System.Net.Sockets;
using Junction.Core.Transport;
using Junction.Core.Upstream.Health;
using Junction.Upstream;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream;

/// <summary>
/// A cluster's runtime: its current host set, load balancer, circuit breaker and stats. Hosts of STATIC
/// clusters are fixed; DNS clusters get theirs from a <see cref="DnsHostResolver"/>. With an active
/// health check or outlier detection, the load balancer sees only the healthy hosts (neither failing
/// its probes nor ejected), unless fewer than
/// <c>healthy_panic_threshold</c> percent are healthy: then it sees all of them (panic), as in Envoy.
/// The cluster itself counts against its DEFAULT circuit breakers; <see cref="AtPriority"/> hands HIGH-priority
/// routes a <see cref="HighPriorityCluster"/> that counts against the HIGH ones.
/// </summary>
internal sealed class Cluster : IUpstreamCluster
{
    private readonly ILoadBalancingPolicy _policy;
    private readonly TransportOptions _transport;
    private readonly ILogger _logger;
    private readonly CircuitBreakers _breakers;
    private readonly HighPriorityCluster _high;
    private readonly Lock _hostsLock = new();
    private volatile HostSet _hosts = HostSet.Empty;
    private volatile LoadBalancingView _view = new(HostSet.Empty, HostSet.Empty, Panic: false);

    /// <param name="breakers">The DEFAULT priority circuit breakers.</param>
    /// <param name="highBreakers">The HIGH priority circuit breakers.</param>
    public Cluster(string name, ILoadBalancingPolicy policy, TimeSpan connectTimeout, CircuitBreakers breakers, CircuitBreakers highBreakers,
        TransportOptions transport, ClusterStats stats, ILogger logger, UpstreamHttpOptions? httpOptions = null)
    {
        _breakers = breakers;
        _high = new HighPriorityCluster(this, highBreakers);
        Name = name;
        HttpOptions = httpOptions ?? UpstreamHttpOptions.Default;
        _policy = policy;
        ConnectTimeout = connectTimeout;
        _transport = transport;
        Stats = stats;
        _logger = logger;
    }

    public string Name { get; }

    public TimeSpan ConnectTimeout { get; }

    public UpstreamHttpOptions HttpOptions { get; }

    public ClusterStats Stats { get; }

    public RoutingPriority Priority => RoutingPriority.Default;

    /// <summary>The DEFAULT priority circuit breakers (for the admin output).</summary>
    public CircuitBreakers DefaultBreakers => _breakers;

    /// <summary>The HIGH priority circuit breakers (for the admin output).</summary>
    public CircuitBreakers HighBreakers => _high.Breakers;

    public IUpstreamCluster AtPriority(RoutingPriority priority) => priority == RoutingPriority.High ? _high : this;

    public HostSet Hosts => _hosts;

    /// <summary>Set by DNS discovery; runs once at warm-up for STATIC clusters.</summary>
    public DnsHostResolver? Resolver { get; set; }

    /// <summary>
    /// The cluster's active health checker, if it has <c>health_checks</c>. Set before the first
    /// <see cref="SetHosts"/>: hosts of a health-checked cluster start unhealthy until their first probe.
    /// </summary>
    public HealthChecker? HealthChecker { get; set; }

    /// <summary>
    /// The cluster's outlier detection, if it has <c>outlier_detection</c>. Set before the first
    /// <see cref="SetHosts"/>, so every host gets its monitor.
    /// </summary>
    public Outlier.OutlierDetector? OutlierDetector { get; set; }

    /// <summary>Percent of healthy hosts below which the load balancer ignores health; 0 never panics.</summary>
    public double HealthyPanicThreshold { get; init; } = 50;

    /// <summary>
    /// Replaces the host set (startup, DNS refresh). A host already in the cluster (same address, weight
    /// and name) is kept as the same object, with its health, connection count and connection pool.
    /// </summary>
    public void SetHosts(HostSet hosts)
    {
        lock (_hostsLock)
        {
            var known = new Dictionary<(System.Net.IPEndPoint, int, string?), UpstreamHost>();
            foreach (var host in _hosts.Hosts) known.TryAdd((host.Address, host.Weight, host.Hostname), host);
            var merged = new UpstreamHost[hosts.Count];
            var reused = 0;
            for (var i = 0; i < merged.Length; i++)
            {
                var host = hosts.Hosts[i];
                if (known.TryGetValue((host.Address, host.Weight, host.Hostname), out var existing))
                {
                    merged[i] = existing;
                    reused++;
                    continue;
                }
                // Envoy marks a new host of a health-checked cluster failed until its first check passes.
                if (HealthChecker is not null) host.SetFailedActiveHealthCheck(true);
                merged[i] = host;
            }
            var set = reused == 0 ? hosts : new HostSet(merged);
            _hosts = set;
            Stats.MembershipTotal.Set(set.Count);
            RecomputeView();
            OutlierDetector?.HostsChanged(set);
            HealthChecker?.HostsChanged(set);
        }
    }

    /// <summary>Called by the health checker or the outlier detector after it flipped a host's health.</summary>
    public void OnHostHealthChanged()
    {
        lock (_hostsLock) RecomputeView();
    }

    /// <summary>True while too few hosts are healthy and the load balancer uses all of them.</summary>
    public bool InPanic => _view.Panic;

    public ValueTask<UpstreamConnectResult> ConnectAsync(CancellationToken cancellationToken) =>
        ConnectAsync(hash: null, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(CancellationToken)"/>, with a hash for RING_HASH and MAGLEV.</summary>
    public ValueTask<UpstreamConnectResult> ConnectAsync(ulong? hash, CancellationToken cancellationToken) =>
        ConnectAsync(hash, _breakers, cancellationToken);

    /// <summary>Picks a host with <paramref name="hash"/> and connects to it, counting against <paramref name="breakers"/>.</summary>
    internal ValueTask<UpstreamConnectResult> ConnectAsync(ulong? hash, CircuitBreakers breakers, CancellationToken cancellationToken)
    {
        var host = Pick(hash);
        if (host is null)
        {
            return ValueTask.FromResult(new UpstreamConnectResult(null, UpstreamFailure.NoHealthyUpstream, null));
        }
        return ConnectAsync(host, breakers, cancellationToken);
    }

    public IUpstreamHost? ChooseHost() => Pick(hash: null);

    public IUpstreamHost? ChooseHost(ulong? hash) => Pick(hash);

    public IUpstreamHost? ChooseHostAvoiding(ulong? hash, IReadOnlyList<IUpstreamHost> tried, long maxAttempts)
    {
        var host = Pick(hash);
        if (host is null || maxAttempts <= 0 || !ILoadBalancingPolicy.WasTried(tried, host)) return host;
        if (hash is { } requestHash)
        {
            // Envoy re-selects with the request's hash too: the host the hash leads to once the tried ones
            // are skipped, so a request's second choice is as stable as its first.
            var view = _view;
            if (_policy.TryPickSkipping(view.Panic ? view.All : view.Healthy, requestHash, tried, out var next)) return next ?? host;
        }
        for (var i = 0L; i < maxAttempts && ILoadBalancingPolicy.WasTried(tried, host); i++)
        {
            // Without a hash (or with a policy that ignores it), another draw of the policy.
            host = Pick(hash: null) ?? host;
        }
        return host;
    }

    private UpstreamHost? Pick(ulong? hash)
    {
        var view = _view;
        HostSet hosts;
        if (view.Panic)
        {
            Stats.HealthyPanic.Increment();
            hosts = view.All;
        }
        else
        {
            hosts = view.Healthy;
        }
        var host = _policy.Pick(hosts, hash);
        if (host is null) Stats.NoneHealthy.Increment();
        return host;
    }

    /// <summary>Rebuilds the healthy set and the panic decision. Caller holds <see cref="_hostsLock"/>.</summary>
    private void RecomputeView()
    {
        var all = _hosts;
        var healthyCount = 0;
        var passingActiveChecks = 0;
        foreach (var host in all.Hosts)
        {
            if (host.IsHealthy) healthyCount++;
            if (!host.FailedActiveHealthCheck) passingActiveChecks++;
        }
        HostSet healthy;
        if (healthyCount == all.Count)
        {
            healthy = all;
        }
        else
        {
            var list = new UpstreamHost[healthyCount];
            var n = 0;
            foreach (var host in all.Hosts)
            {
                if (host.IsHealthy) list[n++] = host;
            }
            healthy = new HostSet(list);
        }
        // Envoy compares the healthy share of hosts (by count, not weight) with the threshold.
        var panic = all.Count > 0 && 100.0 * healthyCount / all.Count < HealthyPanicThreshold;
        _view = new LoadBalancingView(all, healthy, panic);
        Stats.MembershipHealthy.Set(healthyCount);
        // The health check's own gauge counts what the probes say, not outlier ejections.
        HealthChecker?.Stats.Healthy.Set(passingActiveChecks);
    }

    /// <summary>What the load balancer chooses from: one immutable pair swapped as a whole.</summary>
    private sealed record LoadBalancingView(HostSet All, HostSet Healthy, bool Panic);

    public ValueTask<UpstreamConnectResult> ConnectAsync(IUpstreamHost host, CancellationToken cancellationToken) =>
        ConnectAsync((UpstreamHost)host, _breakers, cancellationToken);

    /// <summary>Connects to <paramref name="host"/>, the connection counted against <paramref name="breakers"/> until it closes.</summary>
    internal async ValueTask<UpstreamConnectResult> ConnectAsync(UpstreamHost host, CircuitBreakers breakers, CancellationToken cancellationToken)
    {
        if (!breakers.TryEnterConnection())
        {
            Stats.Overflow.Increment();
            return new UpstreamConnectResult(null, UpstreamFailure.Overflow, host.Address);
        }

        Stats.ConnectionsTotal.Increment();
        // The first connection moves health checks from no_traffic_interval to interval.
        HealthChecker?.OnTraffic();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            var transport = await SocketConnector.ConnectAsync(host.Address, _transport, timeout.Token).ConfigureAwait(false);
            host.ConnectionOpened();
            host.ReportLocalOrigin(LocalOriginResult.ConnectSucceeded);
            Stats.ConnectionsActive.Increment();
            return new UpstreamConnectResult(new UpstreamConnection(this, host, transport, breakers), UpstreamFailure.None, host.Address);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ReleaseConnectionSlot(breakers);
            Stats.ConnectTimeouts.Increment();
            Stats.ConnectFailures.Increment();
            host.ReportLocalOrigin(LocalOriginResult.ConnectFailed);
            _logger.LogDebug("cluster {Cluster}: connect to {Host} timed out after {Timeout}", Name, host.Address, ConnectTimeout);
            return new UpstreamConnectResult(null, UpstreamFailure.ConnectTimeout, host.Address);
        }
        catch (SocketException ex)
        {
            ReleaseConnectionSlot(breakers);
            Stats.ConnectFailures.Increment();
            host.ReportLocalOrigin(LocalOriginResult.ConnectFailed);
            _logger.LogDebug("cluster {Cluster}: connect to {Host} failed: {Error}", Name, host.Address, ex.SocketErrorCode);
            return new UpstreamConnectResult(null, UpstreamFailure.ConnectFailed, host.Address);
        }
        catch (OperationCanceledException)
        {
            ReleaseConnectionSlot(breakers);
            throw;
        }
    }

    internal void OnConnectionClosed(UpstreamHost host, SocketConnection transport, CircuitBreakers breakers)
    {
        host.ConnectionClosed();
        ReleaseConnectionSlot(breakers);
        Stats.ConnectionsActive.Decrement();
        Stats.ConnectionsDestroyed.Increment();
        Stats.BytesReceived.Add(transport.BytesReceived);
        Stats.BytesSent.Add(transport.BytesSent);
    }

    public bool HasConnectionSlot => _breakers.HasConnectionSlot;

    public event Action? ConnectionSlotFreed;

    public bool TryEnterPending() => TryEnterPending(_breakers);

    public void ExitPending() => ExitPending(_breakers);

    public bool TryEnterRequest() => TryEnterRequest(_breakers);

    public void ExitRequest() => ExitRequest(_breakers);

    public bool TryEnterRetry() => _breakers.TryEnterRetry();

    public void ExitRetry() => _breakers.ExitRetry();

    // The accounting below is shared by both priorities: the breakers differ, the cluster's stats do not.

    internal bool TryEnterPending(CircuitBreakers breakers)
    {
        if (!breakers.TryEnterPending())
        {
            Stats.PendingOverflow.Increment();
            return false;
        }
        Stats.PendingTotal.Increment();
        Stats.PendingActive.Increment();
        return true;
    }

    internal void ExitPending(CircuitBreakers breakers)
    {
        Stats.PendingActive.Decrement();
        breakers.ExitPending();
    }

    internal bool TryEnterRequest(CircuitBreakers breakers)
    {
        if (!breakers.TryEnterRequest())
        {
            // Envoy counts a max_requests overflow as a pending overflow too.
            Stats.PendingOverflow.Increment();
            return false;
        }
        Stats.RequestsActive.Increment();
        return true;
    }

    internal void ExitRequest(CircuitBreakers breakers)
    {
        Stats.RequestsActive.Decrement();
        breakers.ExitRequest();
    }

    /// <summary>A connection closed: its slot goes back to its priority, whose waiting requests may open one now.</summary>
    private void ReleaseConnectionSlot(CircuitBreakers breakers)
    {
        breakers.ExitConnection();
        if (breakers.Priority == RoutingPriority.High) _high.OnConnectionSlotFreed();
        else ConnectionSlotFreed?.Invoke();
    }
}
