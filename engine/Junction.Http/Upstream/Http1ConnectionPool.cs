using System.Runtime.CompilerServices;
using Junction.Http.Http1;
using Junction.Upstream;

namespace Junction.Http.Upstream;

/// <summary>
/// Keep-alive HTTP/1.1 connections to one upstream host. A request takes the most recently used idle
/// connection (warm, and it lets the others expire), or opens a new one through the cluster (which
/// applies connect_timeout and max_connections). A connection goes back after a complete exchange
/// that left it reusable.
/// </summary>
internal sealed class Http1ConnectionPool
{
    // One pool per host object: hosts are stable while they are in their cluster, and a host dropped
    // by a DNS refresh takes its pool (and idle connections) with it.
    private static readonly ConditionalWeakTable<IUpstreamHost, Http1ConnectionPool> s_pools = new();

    // Most recently used last; a List (not a Stack) so a connection the upstream closed while idle can
    // be taken out from anywhere.
    private readonly List<Http1UpstreamConnection> _idle = new();
    private readonly Lock _lock = new();
    private readonly Http1ParserLimits _limits;
    private readonly UpstreamHttpOptions _options;
    // Closes connections idle longer than the cluster's idle_timeout; runs only while some are idle.
    private Timer? _idleSweep;

    private Http1ConnectionPool(Http1ParserLimits limits, UpstreamHttpOptions options)
    {
        _limits = limits;
        _options = options;
    }

    public static Http1ConnectionPool For(IUpstreamCluster cluster, IUpstreamHost host, Http1ParserLimits limits) =>
        s_pools.TryGetValue(host, out var pool) ? pool : Create(cluster, host, limits);

    // Apart from For: a lambda capturing limits allocates its closure when the enclosing method starts,
    // so it lives in a method that runs only when the pool does not exist yet.
    private static Http1ConnectionPool Create(IUpstreamCluster cluster, IUpstreamHost host, Http1ParserLimits limits) =>
        s_pools.GetValue(host, _ => new Http1ConnectionPool(limits, cluster.HttpOptions));

    public int IdleCount
    {
        get
        {
            lock (_lock) return _idle.Count;
        }
    }

    /// <summary>An idle connection that is still good, or a new one; a failure result otherwise.</summary>
[AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(Http1UpstreamConnection? Connection, UpstreamConnectResult Result)> AcquireAsync(
        IUpstreamCluster cluster, IUpstreamHost host, CancellationToken cancellationToken)
    {
        while (TryPopIdle() is { } idle)
        {
            if (await idle.TryReactivateAsync().ConfigureAwait(false))
            {
                return (idle, new UpstreamConnectResult(idle.Upstream, UpstreamFailure.None, host.Address));
            }
            await idle.DisposeAsync().ConfigureAwait(false);
        }

        var result = await cluster.ConnectAsync(host, cancellationToken).ConfigureAwait(false);
        return result.Connection is { } upstream
            ? (new Http1UpstreamConnection(upstream, _limits), result)
            : (null, result);
    }

    /// <summary>A new connection, never an idle one (for the retry after a reused one turned out dead).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(Http1UpstreamConnection? Connection, UpstreamConnectResult Result)> ConnectNewAsync(
        IUpstreamCluster cluster, IUpstreamHost host, CancellationToken cancellationToken)
    {
        var result = await cluster.ConnectAsync(host, cancellationToken).ConfigureAwait(false);
        return result.Connection is { } upstream
            ? (new Http1UpstreamConnection(upstream, _limits), result)
            : (null, result);
    }

    /// <summary>Returns a connection after an exchange: kept when <paramref name="reusable"/>, else closed.</summary>
[AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReleaseAsync(Http1UpstreamConnection connection, bool reusable)
    {
        if (!reusable || connection.Requests >= _options.MaxRequestsPerConnection)
        {
            // max_requests_per_connection reached: the connection has served its share.
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        // Watch first, then publish: a request that takes the connection must find a watch to end. A
        // watch that saw the close before the Add found nothing to evict, so look once more after it.
        connection.StartIdleWatch(this);
        lock (_lock)
        {
            _idle.Add(connection);
            if (_options.IdleTimeout is { } idle && _idleSweep is null)
            {
                var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 2, TimeSpan.TicksPerMillisecond * 10));
                _idleSweep = new Timer(static state => ((Http1ConnectionPool)state!).SweepIdle(), this, period, period);
            }
        }
        if (connection.ClosedWhileIdle) Evict(connection);
    }

    /// <summary>
    /// Called by an idle connection's watcher when the upstream closed it (or sent bytes nobody asked
    /// for): it leaves the pool and closes now, instead of sitting in CLOSE_WAIT until a request finds it.
    /// If a request already took it, that request discards it.
    /// </summary>
    internal void Evict(Http1UpstreamConnection connection)
    {
        bool removed;
        lock (_lock) removed = _idle.Remove(connection);
        if (removed) _ = connection.DisposeAsync().AsTask();
    }

    /// <summary>Closes the connections that have been idle longer than the cluster's idle_timeout.</summary>
    private void SweepIdle()
    {
        var limit = _options.IdleTimeout!.Value;
        List<Http1UpstreamConnection>? expired = null;
        lock (_lock)
        {
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                if (System.Diagnostics.Stopwatch.GetElapsedTime(_idle[i].IdleSince) < limit) continue;
                (expired ??= new()).Add(_idle[i]);
                _idle.RemoveAt(i);
            }
            if (_idle.Count == 0)
            {
                _idleSweep?.Dispose();
                _idleSweep = null;
            }
        }
        if (expired is null) return;
        foreach (var connection in expired) _ = connection.DisposeAsync().AsTask();
    }

    private Http1UpstreamConnection? TryPopIdle()
    {
        lock (_lock)
        {
            if (_idle.Count == 0) return null;
            var last = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            return last;
        }
    }
}
