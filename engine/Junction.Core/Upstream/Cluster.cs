using System.Net.Sockets;
using Junction.Core.Transport;
using Junction.Upstream;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream;

/// <summary>
/// A cluster's runtime: its current host set, load balancer, circuit breaker and stats. Hosts of STATIC
/// clusters are fixed; DNS clusters get theirs from a <see cref="DnsHostResolver"/>.
/// </summary>
internal sealed class Cluster : IUpstreamCluster
{
    private readonly ILoadBalancingPolicy _policy;
    private readonly TransportOptions _transport;
    private readonly ILogger _logger;
    private readonly int _maxConnections;
    private readonly int _maxPendingRequests;
    private volatile HostSet _hosts = HostSet.Empty;
    private int _activeConnections;
    private int _pendingRequests;

    public Cluster(string name, ILoadBalancingPolicy policy, TimeSpan connectTimeout, int maxConnections, int maxPendingRequests, TransportOptions transport, ClusterStats stats, ILogger logger, UpstreamHttpOptions? httpOptions = null)
    {
        _maxPendingRequests = maxPendingRequests;
        Name = name;
        HttpOptions = httpOptions ?? UpstreamHttpOptions.Default;
        _policy = policy;
        ConnectTimeout = connectTimeout;
        _maxConnections = maxConnections;
        _transport = transport;
        Stats = stats;
        _logger = logger;
    }

    public string Name { get; }

    public TimeSpan ConnectTimeout { get; }

    public UpstreamHttpOptions HttpOptions { get; }

    public ClusterStats Stats { get; }

    public HostSet Hosts => _hosts;

    /// <summary>Set by DNS discovery; runs once at warm-up for STATIC clusters.</summary>
    public DnsHostResolver? Resolver { get; set; }

    /// <summary>Replaces the host set (startup, DNS refresh).</summary>
    public void SetHosts(HostSet hosts)
    {
        _hosts = hosts;
        Stats.MembershipTotal.Set(hosts.Count);
    }

    public ValueTask<UpstreamConnectResult> ConnectAsync(CancellationToken cancellationToken)
    {
        var host = _policy.Pick(_hosts);
        if (host is null)
        {
            Stats.NoneHealthy.Increment();
            return ValueTask.FromResult(new UpstreamConnectResult(null, UpstreamFailure.NoHealthyUpstream, null));
        }
        return ConnectAsync(host, cancellationToken);
    }

    public IUpstreamHost? ChooseHost()
    {
        var host = _policy.Pick(_hosts);
        if (host is null) Stats.NoneHealthy.Increment();
        return host;
    }

    public ValueTask<UpstreamConnectResult> ConnectAsync(IUpstreamHost host, CancellationToken cancellationToken) =>
        ConnectAsync((UpstreamHost)host, cancellationToken);

    private async ValueTask<UpstreamConnectResult> ConnectAsync(UpstreamHost host, CancellationToken cancellationToken)
    {
        if (!TryAcquireConnectionSlot())
        {
            Stats.Overflow.Increment();
            return new UpstreamConnectResult(null, UpstreamFailure.Overflow, host.Address);
        }

        Stats.ConnectionsTotal.Increment();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            var transport = await SocketConnector.ConnectAsync(host.Address, _transport, timeout.Token).ConfigureAwait(false);
            host.ConnectionOpened();
            Stats.ConnectionsActive.Increment();
            return new UpstreamConnectResult(new UpstreamConnection(this, host, transport), UpstreamFailure.None, host.Address);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ReleaseConnectionSlot();
            Stats.ConnectTimeouts.Increment();
            Stats.ConnectFailures.Increment();
            _logger.LogDebug("cluster {Cluster}: connect to {Host} timed out after {Timeout}", Name, host.Address, ConnectTimeout);
            return new UpstreamConnectResult(null, UpstreamFailure.ConnectTimeout, host.Address);
        }
        catch (SocketException ex)
        {
            ReleaseConnectionSlot();
            Stats.ConnectFailures.Increment();
            _logger.LogDebug("cluster {Cluster}: connect to {Host} failed: {Error}", Name, host.Address, ex.SocketErrorCode);
            return new UpstreamConnectResult(null, UpstreamFailure.ConnectFailed, host.Address);
        }
        catch (OperationCanceledException)
        {
            ReleaseConnectionSlot();
            throw;
        }
    }

    internal void OnConnectionClosed(UpstreamHost host, SocketConnection transport)
    {
        host.ConnectionClosed();
        ReleaseConnectionSlot();
        Stats.ConnectionsActive.Decrement();
        Stats.ConnectionsDestroyed.Increment();
        Stats.BytesReceived.Add(transport.BytesReceived);
        Stats.BytesSent.Add(transport.BytesSent);
    }

    public bool HasConnectionSlot => Volatile.Read(ref _activeConnections) < _maxConnections;

    public event Action? ConnectionSlotFreed;

    public bool TryEnterPending()
    {
        if (Interlocked.Increment(ref _pendingRequests) > _maxPendingRequests)
        {
            Interlocked.Decrement(ref _pendingRequests);
            Stats.PendingOverflow.Increment();
            return false;
        }
        Stats.PendingTotal.Increment();
        Stats.PendingActive.Increment();
        if (Volatile.Read(ref _pendingRequests) >= _maxPendingRequests) Stats.PendingBreakerOpen.Set(1);
        return true;
    }

    public void ExitPending()
    {
        Stats.PendingActive.Decrement();
        if (Interlocked.Decrement(ref _pendingRequests) < _maxPendingRequests) Stats.PendingBreakerOpen.Set(0);
    }

    private bool TryAcquireConnectionSlot()
    {
        if (Interlocked.Increment(ref _activeConnections) <= _maxConnections)
        {
            if (Volatile.Read(ref _activeConnections) >= _maxConnections) Stats.CircuitBreakerOpen.Set(1);
            return true;
        }
        Interlocked.Decrement(ref _activeConnections);
        return false;
    }

    private void ReleaseConnectionSlot()
    {
        if (Interlocked.Decrement(ref _activeConnections) < _maxConnections) Stats.CircuitBreakerOpen.Set(0);
        ConnectionSlotFreed?.Invoke();
    }
}
