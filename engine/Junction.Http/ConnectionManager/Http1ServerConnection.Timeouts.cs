using System.Runtime.CompilerServices;
using System.Diagnostics;
using Junction.AccessLog;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The connection manager's timeouts, Envoy's semantics on one HTTP/1.1 connection. A stream is one
/// exchange, from the first byte of its request line to its last response byte.
/// <list type="bullet">
/// <item><c>stream_idle_timeout</c>: a stream with no bytes either way for that long ends: 408 while the
/// request is still arriving, 504 when the proxy waits for the upstream, a reset once the response has
/// started (and for a WebSocket tunnel). Flag SI, <c>downstream_rq_idle_timeout</c>.</item>
/// <item><c>request_timeout</c>: the whole request must arrive in time, else 408 and close
/// (<c>downstream_rq_timeout</c>).</item>
/// <item><c>request_headers_timeout</c>: the request head must arrive in time, else 408 and close
/// (<c>downstream_rq_header_timeout</c>); the defence against slowloris.</item>
/// <item><c>idle_timeout</c>: a connection with no stream for that long is closed without a response
/// (<c>downstream_cx_idle_timeout</c>).</item>
/// <item><c>max_connection_duration</c>: once past, the connection closes at once if it has no stream,
/// else after the current one, whose response says <c>connection: close</c>
/// (<c>downstream_cx_max_duration_reached</c>).</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>One <see cref="Timer"/> per connection (none when every timeout is disabled), armed for the next
/// deadline. The data path does not touch it per request: it writes activity timestamps (plain writes)
/// and the timer, when it fires, recomputes the deadlines from them and re-arms. Only a transition that
/// can bring a deadline closer than the one armed (a stream starting, a connection becoming idle)
/// re-arms, and only when it does.</para>
/// <para>Concurrency rule: writes to the client never overlap, and exchange state has one owner at a
/// time. <see cref="OnDataAsync"/> holds <see cref="_gate"/> for its whole body, and the timer takes the
/// gate with <c>Wait(0)</c>, never blocking:</para>
/// <list type="bullet">
/// <item>It got the gate: no <see cref="OnDataAsync"/> runs and none can start until it lets go, so the
/// connection is waiting for client bytes and the timer may act as the data path would (write a 408,
/// close).</item>
/// <item>The gate is busy: the data path is awaiting something, normally the upstream. The timer writes
/// nothing: it records the reason in <see cref="_timedOut"/> and cancels <see cref="_exchangeCancel"/>,
/// which every upstream read and flush of the exchange observes, and the data path answers. Once the
/// response has started, or the exchange became a WebSocket tunnel (whose upstream-to-client pump
/// writes outside the gate), there is nothing left to answer with: the timer resets the connection
/// (<see cref="INetworkConnection.Close"/> is safe from any thread) and writes nothing.</item>
/// </list>
/// <para><see cref="_timerLock"/> orders a stream's start and end against the timer's decisions, so a
/// cancel meant for one exchange can never hit the next, and guards arming against disposal.</para>
/// </remarks>
internal sealed partial class Http1ServerConnection
{
    private enum StreamTimeout : byte
    {
        None,
        StreamIdle,
        Request,
        RequestHeaders,
    }

    // How soon the timer looks again when the data path is busy: it normally answers a cancel within
    // microseconds; this only bounds how long a cancel it did not see (it was between awaits) can linger.
    private static readonly long s_busyRetry = Stopwatch.Frequency / 20;

    // Timer.Change takes at most 0xfffffffe ms (~49 days); a later deadline is re-checked then.
    private const long MaxDueMilliseconds = 0xfffffffe;

    private readonly Lock _timerLock = new();
    private SemaphoreSlim? _gate;
    private Timer? _timer;
    private bool _timerDisposed;

    /// <summary>The deadline the timer is armed for (Stopwatch ticks); long.MaxValue when unarmed.</summary>
    private long _armedFor = long.MaxValue;

    private long _connectionStart;

    /// <summary>When the last stream ended (or the connection began): the idle timeout counts from here.</summary>
    private long _idleSince;

    /// <summary>When the current stream's first byte arrived; 0 when there is no stream.</summary>
    private long _streamStart;

    /// <summary>The last time bytes moved for the current stream, either way.</summary>
    private long _lastActivity;

    /// <summary>Which timeout ended the current stream, set by the timer before it cancels the exchange.</summary>
    private volatile StreamTimeout _timedOut;

    /// <summary>max_connection_duration passed: no keep-alive after the current exchange.</summary>
    private volatile bool _drainAfterExchange;

    /// <summary>
    /// Cancels the current exchange's upstream reads and flushes: the route timeout (CancelAfter) or the
    /// timer. Reset for each stream, and replaced only after it was cancelled.
    /// </summary>
    private CancellationTokenSource _exchangeCancel = new();

    // The current stream's idle timeout (Stopwatch ticks, 0 = none): stream_idle_timeout, or the route's idle_timeout.
    private long _streamIdle;

    /// <summary>The request's route has its own idle_timeout: it replaces stream_idle_timeout for this stream.</summary>
    private void ApplyRouteIdleTimeout(TimeSpan idleTimeout)
    {
        var ticks = (long)(idleTimeout.TotalSeconds * Stopwatch.Frequency);
        if (_timer is null)
        {
            _streamIdle = ticks;
            return;
        }
        lock (_timerLock)
        {
            _streamIdle = ticks;
            // A shorter timeout must fire sooner; a longer one is picked up when the timer next fires.
            RearmIfEarlierLocked(NextDeadline(Stopwatch.GetTimestamp()), Stopwatch.GetTimestamp());
        }
    }

    /// <summary>From OnNewConnectionAsync: creates the timer and the gate when any timeout is enabled.</summary>
    private void StartTimeouts()
    {
        // Closed already (OnClosed ran on registration): a timer now would never be disposed.
        if (!(provider.Timeouts.AnyEnabled || provider.HasRouteIdleTimeouts) || Connection.Closed.IsCancellationRequested) return;
        var now = Stopwatch.GetTimestamp();
        _connectionStart = now;
        _idleSince = now;
        _lastActivity = now;
        _gate = new SemaphoreSlim(1, 1);
        _timer = new Timer(static state => ((Http1ServerConnection)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        lock (_timerLock) ArmLocked(NextDeadline(now), now);
    }

    /// <summary>From OnClosed: the timer never fires again.</summary>
    private void StopTimeouts()
    {
        if (_timer is null) return;
        lock (_timerLock)
        {
            _timerDisposed = true;
            _timer.Dispose();
        }
    }

    private void MarkActivity() => _lastActivity = Stopwatch.GetTimestamp();

    /// <summary>The data path saw the first byte of a request.</summary>
    private void BeginStream()
    {
        var now = Stopwatch.GetTimestamp();
        _lastActivity = now;
        _streamIdle = provider.Timeouts.StreamIdle;
        if (_timer is null)
        {
            _streamStart = now;
            ResetExchangeCancel();
            return;
        }
        lock (_timerLock)
        {
            _streamStart = now;
            _timedOut = StreamTimeout.None;
            ResetExchangeCancel();
            RearmIfEarlierLocked(NextDeadline(now), now);
        }
    }

    /// <summary>From EndExchange: the connection is idle until the next request's first byte.</summary>
    private void EndStream()
    {
        if (_timer is null)
        {
            _streamStart = 0;
            return;
        }
        var now = Stopwatch.GetTimestamp();
        lock (_timerLock)
        {
            _streamStart = 0;
            _idleSince = now;
            _timedOut = StreamTimeout.None;
            RearmIfEarlierLocked(NextDeadline(now), now);
        }
    }

    private void ResetExchangeCancel()
    {
        if (_exchangeCancel.TryReset()) return;
        // Only after a timeout: a cancelled source cannot be reused.
        _exchangeCancel.Dispose();
        _exchangeCancel = new CancellationTokenSource();
    }

    private void OnTimer()
    {
        if (Connection.Closed.IsCancellationRequested) return;
        var now = Stopwatch.GetTimestamp();
        if (!_gate!.Wait(0))
        {
            ExpireWhileBusy(now);
            return;
        }
        var handedOff = false;
        try
        {
            handedOff = ExpireWithGate(now);
        }
        finally
        {
            if (!handedOff) _gate.Release();
        }
    }

    /// <summary>
    /// The timer holds the gate: the data path is waiting for client bytes (or the connection is idle),
    /// so the timer may answer. True when an async reply took over the gate.
    /// </summary>
    private bool ExpireWithGate(long now)
    {
        if (_state == State.Closed) return false;
        var timeouts = provider.Timeouts;
        if (_streamStart == 0)
        {
            // Between requests HTTP/1.1 has nothing to say: just close, as Envoy does.
            var maxDuration = timeouts.MaxConnectionDuration != 0 && now - _connectionStart >= timeouts.MaxConnectionDuration;
            if (maxDuration || _drainAfterExchange)
            {
                StartDrain();
                CloseIdleConnection();
                return false;
            }
            if (timeouts.ConnectionIdle != 0 && now - _idleSince >= timeouts.ConnectionIdle)
            {
                provider.Stats.IdleTimeouts.Increment();
                CloseIdleConnection();
                return false;
            }
        }
        else
        {
            if (timeouts.MaxConnectionDuration != 0 && now - _connectionStart >= timeouts.MaxConnectionDuration) StartDrain();
            if (TryMarkTimedOut(now) is var reason and not StreamTimeout.None)
            {
                if (_state == State.Tunnel || _exchange is { ResponseStarted: true })
                {
                    ResetTimedOutStream(reason);
                    return false;
                }
                _ = ExpireWithGateAsync(reason);
                return true;
            }
        }
        lock (_timerLock) ArmLocked(Math.Max(NextDeadline(now), now + 1), now);
        return false;
    }

    /// <summary>Answers the stream the client is too slow with (408 and close), then lets the data path in again.</summary>
    private async Task ExpireWithGateAsync(StreamTimeout reason)
    {
        try
        {
            await ExpireExchangeAsync(_exchange, reason).ConfigureAwait(false);
        }
        finally
        {
            _gate!.Release();
        }
        if (Connection.Closed.IsCancellationRequested) return;
        var now = Stopwatch.GetTimestamp();
        lock (_timerLock) ArmLocked(Math.Max(NextDeadline(now), now + 1), now);
    }

    /// <summary>
    /// The data path is inside OnDataAsync, awaiting the upstream or the client: the timer must not write.
    /// It cancels the exchange for the data path to answer, or resets a stream whose response started.
    /// </summary>
    private void ExpireWhileBusy(long now)
    {
        var timeouts = provider.Timeouts;
        lock (_timerLock)
        {
            if (_timerDisposed) return;
            if (timeouts.MaxConnectionDuration != 0 && now - _connectionStart >= timeouts.MaxConnectionDuration) StartDrain();
            if (_streamStart != 0 && _timedOut == StreamTimeout.None && ExpiredStreamTimeout(now) is var reason and not StreamTimeout.None)
            {
                _timedOut = reason;
                CountTimeout(reason);
                // Both under the lock, so they can only reach this stream: BeginStream resets the source
                // under the same lock. (Read and flush continuations run on the thread pool, not in here.)
                if (_state == State.Tunnel || _exchange is { ResponseStarted: true }) ResetTimedOutStream(reason);
                else _exchangeCancel.Cancel();
            }
            ArmLocked(Math.Max(NextDeadline(now), now + s_busyRetry), now);
        }
    }

    /// <summary>Records and counts the first stream timeout that passed; returns the stream's reason, if any.</summary>
    private StreamTimeout TryMarkTimedOut(long now)
    {
        lock (_timerLock)
        {
            if (_timedOut == StreamTimeout.None && ExpiredStreamTimeout(now) is var reason and not StreamTimeout.None)
            {
                _timedOut = reason;
                CountTimeout(reason);
            }
            return _timedOut;
        }
    }

    /// <summary>Which stream timeout has passed at <paramref name="now"/>; the stream must be in progress.</summary>
    private StreamTimeout ExpiredStreamTimeout(long now)
    {
        var timeouts = provider.Timeouts;
        var headComplete = _state is not (State.RequestLine or State.Headers);
        var requestComplete = headComplete && _exchange is { RequestComplete: true };
        if (!headComplete && timeouts.RequestHeaders != 0 && now - _streamStart >= timeouts.RequestHeaders) return StreamTimeout.RequestHeaders;
        if (!requestComplete && timeouts.Request != 0 && now - _streamStart >= timeouts.Request) return StreamTimeout.Request;
        var streamIdle = Volatile.Read(ref _streamIdle);
        if (streamIdle != 0 && now - Volatile.Read(ref _lastActivity) >= streamIdle) return StreamTimeout.StreamIdle;
        return StreamTimeout.None;
    }

    /// <summary>The earliest deadline of the current state (Stopwatch ticks), long.MaxValue for none.</summary>
    private long NextDeadline(long now)
    {
        var timeouts = provider.Timeouts;
        var next = long.MaxValue;
        if (_streamStart == 0)
        {
            if (_drainAfterExchange) return now;
            if (timeouts.MaxConnectionDuration != 0) next = _connectionStart + timeouts.MaxConnectionDuration;
            if (timeouts.ConnectionIdle != 0) next = Math.Min(next, _idleSince + timeouts.ConnectionIdle);
            return next;
        }
        if (timeouts.MaxConnectionDuration != 0 && !_drainAfterExchange) next = _connectionStart + timeouts.MaxConnectionDuration;
        var streamIdle = Volatile.Read(ref _streamIdle);
        if (streamIdle != 0) next = Math.Min(next, Volatile.Read(ref _lastActivity) + streamIdle);
        var headComplete = _state is not (State.RequestLine or State.Headers);
        if (!headComplete && timeouts.RequestHeaders != 0) next = Math.Min(next, _streamStart + timeouts.RequestHeaders);
        if (!(headComplete && _exchange is { RequestComplete: true }) && timeouts.Request != 0) next = Math.Min(next, _streamStart + timeouts.Request);
        return next;
    }

    private void RearmIfEarlierLocked(long deadline, long now)
    {
        if (deadline < _armedFor) ArmLocked(deadline, now);
    }

    private void ArmLocked(long deadline, long now)
    {
        if (_timerDisposed || _timer is null) return;
        _armedFor = deadline;
        if (deadline == long.MaxValue)
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
            return;
        }
        var dueMs = deadline <= now ? 0 : (long)Math.Ceiling((deadline - now) * 1000.0 / Stopwatch.Frequency);
        _timer.Change(Math.Min(dueMs, MaxDueMilliseconds), Timeout.Infinite);
    }

    /// <summary>max_connection_duration passed: counted once; the connection keeps no exchange alive after this.</summary>
    /// <summary>
    /// The proxy drains (shutdown): like max_connection_duration, the connection closes after the current
    /// response, and at once if it is idle (the timer, holding the gate, does that).
    /// </summary>
    private void OnDrainRequested()
    {
        if (_timer is null)
        {
            _drainAfterExchange = true;
            return;
        }
        lock (_timerLock)
        {
            _drainAfterExchange = true;
            var now = Stopwatch.GetTimestamp();
            RearmIfEarlierLocked(now, now);
        }
    }

    private void StartDrain()
    {
        if (_drainAfterExchange) return;
        lock (_timerLock)
        {
            if (_drainAfterExchange) return;
            _drainAfterExchange = true;
        }
        provider.Stats.MaxDurationReached.Increment();
    }

    private void CloseIdleConnection()
    {
        _state = State.Closed;
        Connection.Close(ConnectionCloseType.FlushWrite);
    }

    private void CountTimeout(StreamTimeout reason)
    {
        var stats = provider.Stats;
        var counter = reason switch
        {
            StreamTimeout.RequestHeaders => stats.RequestHeaderTimeouts,
            StreamTimeout.Request => stats.RequestTimeouts,
            _ => stats.StreamIdleTimeouts,
        };
        counter.Increment();
    }

    /// <summary>A timed-out stream whose response has started (or a tunnel): only a reset can end it.</summary>
    private void ResetTimedOutStream(StreamTimeout reason)
    {
        if (_exchange is { } exchange)
        {
            MarkTimedOut(exchange, reason);
            // The data path may be waiting on the upstream (a read, or a tunnel's flush): end that wait.
            exchange.Upstream?.Abort();
        }
        _exchangeCancel.Cancel();
        Connection.Close(ConnectionCloseType.AbortReset);
    }

    private static void MarkTimedOut(Exchange exchange, StreamTimeout reason)
    {
        if (reason == StreamTimeout.StreamIdle) exchange.Info.SetFlag(ResponseFlags.StreamIdleTimeout);
        exchange.Info.TerminationDetails = reason switch
        {
            StreamTimeout.RequestHeaders => "request_header_timeout",
            StreamTimeout.Request => "request_overall_timeout",
            _ => "stream_idle_timeout",
        };
    }

    /// <summary>
    /// The exchange's upstream work was cancelled: by the timer (it set <see cref="_timedOut"/> first) or
    /// else by the route timeout.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ExchangeCancelledAsync(Exchange exchange)
    {
        if (_timedOut is var reason and not StreamTimeout.None)
        {
            await ExpireExchangeAsync(exchange, reason).ConfigureAwait(false);
            return;
        }
        exchange.UpstreamStats?.Timeouts.Increment();
        await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRequestTimeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the stream a timeout expired: the upstream is reset (it may hold part of the request), and the
    /// client gets 408 when its request is incomplete (and the connection closes, its framing unknown),
    /// 504 when the proxy was waiting for the upstream, or a reset once the response has started.
    /// Runs on the data path, or on the timer holding the gate.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ExpireExchangeAsync(Exchange? exchange, StreamTimeout reason)
    {
        // The head was still arriving: there is no exchange yet, so open one to answer and log.
        exchange ??= OpenExchangeForLocalReply();
        MarkTimedOut(exchange, reason);
        if (exchange.Upstream is { } upstream)
        {
            upstream.Abort();
            await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
            exchange.Upstream = null;
        }
        if (exchange.ResponseStarted)
        {
            EndExchange(exchange, keepAlive: false);
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        if (!exchange.RequestComplete) exchange.BodyUnread = true;
        var (status, body) = reason switch
        {
            StreamTimeout.RequestHeaders => (408, "request header timeout"u8.ToArray()),
            StreamTimeout.Request => (exchange.RequestComplete ? 504 : 408, "request timeout"u8.ToArray()),
            _ => (exchange.RequestComplete ? 504 : 408, "stream timeout"u8.ToArray()),
        };
        await LocalReplyAsync(exchange, status, body).ConfigureAwait(false);
    }
}
