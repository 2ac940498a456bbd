using System.Threading.Tasks.Sources;

namespace Junction.Core.Transport;

/// <summary>
/// One socket's "bytes may be waiting" flag, raised by its <see cref="ReceivePoller"/> and awaited by the
/// socket's receive loop. An edge that arrives while nobody waits is kept, so it cannot be lost between
/// the loop's last read and its next wait.
/// </summary>
/// <remarks>
/// The loop's continuation runs on the thread that raises the flag (the poller's, or the thread that
/// closes the connection), as socket completions do when they run inline.
/// </remarks>
internal sealed class ReadableSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Raised = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _source;
    private int _state;
    private volatile bool _peerClosed;

    /// <summary>
    /// True once the poller reported the peer's FIN, a reset or an error. From then on a short read does
    /// not mean the socket is drained (data and FIN can come in one edge), so the loop reads until
    /// recv returns 0 or an error.
    /// </summary>
    public bool PeerClosed => _peerClosed;

    /// <summary>Completes at once if the flag was raised since the last wait, else on the next raise.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Raised) == Raised) return default;
        _source.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle) return new ValueTask(this, _source.Version);
        // Raised between the two exchanges.
        Volatile.Write(ref _state, Idle);
        return default;
    }

    /// <summary>Raises the flag: the socket became readable (or the peer ended it, when <paramref name="peerClosed"/>).</summary>
    public void Raise(bool peerClosed)
    {
        if (peerClosed) _peerClosed = true;
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Raised) return;
            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Idle, Waiting) != Waiting) continue;
                _source.SetResult(true);
                return;
            }
            if (Interlocked.CompareExchange(ref _state, Raised, Idle) == Idle) return;
        }
    }

    void IValueTaskSource.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
