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
    // One pool per host object and priority: hosts are stable while they are in their cluster, and a host
    // dropped by a DNS refresh takes its pools (and idle connections) with it. HIGH priority requests have
    // pools of their own (as in Envoy), so their connections and waiting lists count against the cluster's
    // HIGH thresholds only and never queue behind DEFAULT requests.
    private static readonly ConditionalWeakTable<IUpstreamHost, Http1ConnectionPool> s_pools = new();
    private static readonly ConditionalWeakTable<IUpstreamHost, Http1ConnectionPool> s_highPriorityPools = new();

    // Most recently used last; a List (not a Stack) so a connection the upstream closed while idle can
    // be taken out from anywhere.
    private readonly List<Http1UpstreamConnection> _idle = new();
    private readonly Lock _lock = new();
    private readonly Http1ParserLimits _limits;
    private readonly UpstreamHttpOptions _options;
    // Requests waiting for a connection while the cluster is at max_connections, oldest first.
    private readonly LinkedList<PendingRequest> _pending = new();
    private readonly Action _onSlotFreed;
    // Closes connections idle longer than the cluster's idle_timeout; runs only while some are idle.
    private Timer? _idleSweep;
    // The cluster whose ConnectionSlotFreed this pool listens to, only while requests are waiting.
    private IUpstreamCluster? _listeningTo;

    private Http1ConnectionPool(Http1ParserLimits limits, UpstreamHttpOptions options)
    {
        _limits = limits;
        _options = options;
        _onSlotFreed = OnSlotFreed;
    }

    /// <summary>The pool of <paramref name="host"/> for requests of <paramref name="cluster"/>'s priority.</summary>
    public static Http1ConnectionPool For(IUpstreamCluster cluster, IUpstreamHost host, Http1ParserLimits limits)
    {
        var pools = cluster.Priority == RoutingPriority.High ? s_highPriorityPools : s_pools;
        return pools.TryGetValue(host, out var pool) ? pool : Create(pools, cluster, host, limits);
    }

    // Apart from For: a lambda capturing limits allocates its closure when the enclosing method starts,
    // so it lives in a method that runs only when the pool does not exist yet.
    private static Http1ConnectionPool Create(ConditionalWeakTable<IUpstreamHost, Http1ConnectionPool> pools, IUpstreamCluster cluster, IUpstreamHost host, Http1ParserLimits limits) =>
        pools.GetValue(host, _ => new Http1ConnectionPool(limits, cluster.HttpOptions));

    public int IdleCount
    {
        get
        {
            lock (_lock) return _idle.Count;
        }
    }

    /// <summary>
    /// An idle connection that is still good, or a new one. When the cluster is at max_connections the
    /// request waits (a pending request, up to max_pending_requests) for a connection another request
    /// releases, or for a slot to open one; a failure result otherwise.
    /// </summary>
    /// <param name="cluster">The host's cluster.</param>
    /// <param name="host">The host.</param>
    /// <param name="cancellationToken">Ends the wait (the client went away).</param>
    /// <param name="maxWait">The longest a pending request waits (its route timeout); null for no limit.</param>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    public async ValueTask<(Http1UpstreamConnection? Connection, UpstreamConnectResult Result)> AcquireAsync(
        IUpstreamCluster cluster, IUpstreamHost host, CancellationToken cancellationToken, TimeSpan? maxWait = null)
    {
        var pending = false;
        var started = 0L;
        try
        {
            while (true)
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
                if (result.Connection is { } upstream) return (new Http1UpstreamConnection(upstream, _limits), result);
                if (result.Failure != UpstreamFailure.Overflow) return (null, result);

                // Every connection the cluster may open is busy: wait for one.
                if (!pending)
                {
                    if (!cluster.TryEnterPending()) return (null, result);
                    pending = true;
                    started = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                var left = maxWait is { } limit ? limit - System.Diagnostics.Stopwatch.GetElapsedTime(started) : Timeout.InfiniteTimeSpan;
                if (maxWait is not null && left <= TimeSpan.Zero) return (null, new UpstreamConnectResult(null, UpstreamFailure.PendingTimeout, host.Address));
                var (handed, timedOut) = await WaitForConnectionAsync(cluster, left, cancellationToken).ConfigureAwait(false);
                if (timedOut) return (null, new UpstreamConnectResult(null, UpstreamFailure.PendingTimeout, host.Address));
                if (handed is not null) return (handed, new UpstreamConnectResult(handed.Upstream, UpstreamFailure.None, host.Address));
                // Woken because a slot opened: try again (another request may have been quicker).
            }
        }
        finally
        {
            if (pending) cluster.ExitPending();
        }
    }

    /// <summary>
    /// Waits until a request hands over its connection (returned) or a connection of the cluster closes
    /// (null: try to open one). Returns at once when that already happened.
    /// </summary>
    private async ValueTask<(Http1UpstreamConnection? Handed, bool TimedOut)> WaitForConnectionAsync(
        IUpstreamCluster cluster, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new PendingRequest();
        lock (_lock)
        {
            waiter.Node = _pending.AddLast(waiter);
            if (_listeningTo is null)
            {
                _listeningTo = cluster;
                cluster.ConnectionSlotFreed += _onSlotFreed;
            }
            // Looked at only once listening: a connection released (under this lock) or a slot freed
            // (the cluster then raises the event, which takes this lock) after this check reaches the
            // waiter; one freed before it is seen here.
            if (_idle.Count > 0 || cluster.HasConnectionSlot)
            {
                RemoveWaiterLocked(waiter);
                return (null, false);
            }
        }
        try
        {
            return (await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false), false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool removed;
            lock (_lock) removed = RemoveWaiterLocked(waiter);
            // Already taken from the queue by a release or a freed slot, which may not have completed the
            // waiter yet: completing it here first makes that hand-over fail (and go elsewhere); if the
            // hand-over came first, the connection is passed on.
            if (!removed && !waiter.TrySetResult(null) && waiter.Task.Result is { } handed)
            {
                _ = ReleaseAsync(handed, reusable: true).AsTask();
            }
            if (ex is OperationCanceledException) throw;
            return (null, true);
        }
    }

    /// <summary>A connection of the cluster closed: the oldest waiter may open one now.</summary>
    private void OnSlotFreed()
    {
        // A waiter that has just given up does not take the wake-up with it: the next one gets it.
        while (true)
        {
            PendingRequest? waiter;
            lock (_lock) waiter = TakeWaiterLocked();
            if (waiter is null || waiter.TrySetResult(null)) return;
        }
    }

    private PendingRequest? TakeWaiterLocked()
    {
        if (_pending.First is not { } first) return null;
        RemoveWaiterLocked(first.Value);
        return first.Value;
    }

    private bool RemoveWaiterLocked(PendingRequest waiter)
    {
        if (waiter.Node?.List is null) return false;
        _pending.Remove(waiter.Node);
        waiter.Node = null;
        if (_pending.Count == 0 && _listeningTo is { } cluster)
        {
            cluster.ConnectionSlotFreed -= _onSlotFreed;
            _listeningTo = null;
        }
        return true;
    }

    /// <summary>A request waiting for a connection: completed with a handed-over connection, or null to retry.</summary>
    private sealed class PendingRequest() : TaskCompletionSource<Http1UpstreamConnection?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public LinkedListNode<PendingRequest>? Node { get; set; }
    }

    /// <summary>A new connection, never an idle one (for the retry after a reused one turned out dead).</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    public async ValueTask<(Http1UpstreamConnection? Connection, UpstreamConnectResult Result)> ConnectNewAsync(
        IUpstreamCluster cluster, IUpstreamHost host, CancellationToken cancellationToken)
    {
        var result = await cluster.ConnectAsync(host, cancellationToken).ConfigureAwait(false);
        return result.Connection is { } upstream
            ? (new Http1UpstreamConnection(upstream, _limits), result)
            : (null, result);
    }

    /// <summary>Returns a connection after an exchange: kept when <paramref name="reusable"/>, else closed.</summary>
[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    public async ValueTask ReleaseAsync(Http1UpstreamConnection connection, bool reusable)
    {
        if (!reusable || connection.Requests >= _options.MaxRequestsPerConnection)
        {
            // max_requests_per_connection reached: the connection has served its share.
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        // A waiting request takes it as it is, without it ever going idle (one that just gave up does not).
        while (true)
        {
            PendingRequest? waiter;
            lock (_lock) waiter = TakeWaiterLocked();
            if (waiter is null) break;
            if (waiter.TrySetResult(connection)) return;
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
