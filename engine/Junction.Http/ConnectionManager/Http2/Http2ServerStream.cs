using System.Buffers;
using System.IO.Pipelines;
using Junction.Http.Http1;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// One request on an HTTP/2 connection: the state the connection's read loop feeds (request body,
/// trailers, flow-control windows) and the exchange that routes the request through the HTTP filters
/// and forwards it to an HTTP/1.1 or HTTP/2 upstream (<c>.Exchange.cs</c>, <c>.Request.cs</c>,
/// <c>.Filters.cs</c>).
/// </summary>
internal sealed partial class Http2ServerStream
{
    private readonly Http2ServerConnection _connection;
    private readonly CancellationTokenSource _aborted = new();
    // Receive window (what the client may still send on this stream); guarded by the connection's flow lock.
    private Http2FlowWindow _receive;
    private TaskCompletionSource? _windowWaiter;
    private Pipe? _body;
    private long _bodyReceived;
    private volatile bool _remoteEnded;
    private volatile bool _trailersMalformed;
    private readonly Lock _bodyLock = new();
    private bool _bodyClosed;
    // Body bytes put in the pipe, and those the stream task forwarded (for the window given back at the end).
    private long _bodyBuffered;
    private long _bodyForwarded;
    private Timer? _idleTimer;
    private long _lastActivity;

    public Http2ServerStream(Http2ServerConnection connection, int id, int receiveWindow, int sendWindow)
    {
        _connection = connection;
        Id = id;
        _receive = new Http2FlowWindow(id, receiveWindow);
        SendWindow = sendWindow;
    }

    public int Id { get; }

    /// <summary>The request as decoded from its header block.</summary>
    public Http2RequestHead Request { get; } = new();

    /// <summary>Trailers the client sent after the body, if any.</summary>
    public MessageHead? RequestTrailers { get; private set; }

    /// <summary>The routing decision (the connection reads its response header changes).</summary>
    public RouteOutcome Route;

    /// <summary>What the proxy may still send on this stream; guarded by the connection's flow lock.</summary>
    public long SendWindow { get; set; }

    /// <summary>The client ended its side (END_STREAM).</summary>
    public bool RemoteEnded => _remoteEnded;

    /// <summary>The whole response has been sent.</summary>
    public bool ResponseComplete { get; private set; }

    private CancellationToken Aborted => _aborted.Token;

    /// <summary>Counts a DATA frame against the stream's receive window (under the connection's flow lock).</summary>
    public bool TryConsumeReceiveWindow(int length) => _receive.TryConsume(length, out _);

    /// <summary>Records forwarded bytes; the increment to grant, if one is due (under the connection's flow lock).</summary>
    public void TakeWindowUpdate(int length, out int increment)
    {
        if (!_receive.TryGetWindowUpdate(length, out increment)) increment = 0;
    }

    /// <summary>The stream waits for send window (under the connection's flow lock).</summary>
    public Task PrepareWindowWait()
    {
        _windowWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _windowWaiter.Task;
    }

    /// <summary>Send window grew (or the stream ends): a waiting writer looks again (under the connection's flow lock).</summary>
    public void WakeWindowWaiter()
    {
        _windowWaiter?.TrySetResult();
        _windowWaiter = null;
    }

    /// <summary>Starts forwarding the request; the body (unless <paramref name="endStream"/>) follows in DATA frames.</summary>
    public void Start(bool endStream)
    {
        _remoteEnded = endStream;
        if (!endStream) _body = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        _ = RunAsync();
    }

    /// <summary>Answers with <paramref name="status"/> without forwarding (the request head was too large).</summary>
    public void StartLocalReply(int status, bool endStream)
    {
        _remoteEnded = endStream;
        // The body, if any, is never read: DATA for it is dropped and its window given back.
        _bodyClosed = true;
        _ = RunLocalReplyAsync(status);
    }

    /// <summary>
    /// Body bytes of a DATA frame (the read loop's buffer: copied here). Malformed when they contradict
    /// the declared Content-Length (RFC 9113 §8.1.1); dropped when nobody will read them any more (the
    /// stream ended or answered without reading its body): then the caller gives their window back.
    /// </summary>
    public BodyReceipt ReceiveBody(in ReadOnlySequence<byte> data, bool endStream)
    {
        MarkActivity();
        _bodyReceived += data.Length;
        var declared = Request.ContentLength;
        if (declared >= 0 && (_bodyReceived > declared || (endStream && _bodyReceived != declared))) return BodyReceipt.Malformed;
        // The writer is completed here (the read loop) and by Abort (the stream task, the idle timer): one at a time.
        lock (_bodyLock)
        {
            if (_body is not { } body || _bodyClosed)
            {
                if (endStream) _remoteEnded = true;
                return BodyReceipt.Dropped;
            }
            foreach (var segment in data) body.Writer.Write(segment.Span);
            _bodyBuffered += data.Length;
            // Never waits: the pipe has no threshold; the flow-control window is what bounds it.
            _ = body.Writer.FlushAsync();
            if (endStream)
            {
                _remoteEnded = true;
                _bodyClosed = true;
                body.Writer.Complete();
            }
        }
        return BodyReceipt.Accepted;
    }

    /// <summary>The stream task handed <paramref name="length"/> body bytes on (they left the pipe).</summary>
    internal void NoteBodyForwarded(int length) => Interlocked.Add(ref _bodyForwarded, length);

    /// <summary>Body bytes were taken on (upstream, or into the filters): the client may send as many again.</summary>
    private async ValueTask BodyTakenAsync(int length)
    {
        if (length == 0) return;
        NoteBodyForwarded(length);
        await _connection.OnBodyConsumedAsync(this, length).ConfigureAwait(false);
    }

    /// <summary>
    /// The stream is over: no more body is taken, and the bytes the client sent that were never forwarded
    /// are returned, so the connection's window does not shrink with every stream that ends early.
    /// </summary>
    internal long CloseBody()
    {
        lock (_bodyLock)
        {
            if (!_bodyClosed)
            {
                _bodyClosed = true;
                _body?.Writer.Complete();
            }
            var unread = _bodyBuffered - Interlocked.Read(ref _bodyForwarded);
            _bodyBuffered = Interlocked.Read(ref _bodyForwarded);
            return unread;
        }
    }

    /// <summary>The HPACK handler for the trailers block.</summary>
    public TrailerHandler TrailersHandler()
    {
        RequestTrailers ??= new MessageHead();
        RequestTrailers.Reset();
        return new TrailerHandler(this);
    }

    /// <summary>Trailers ended the request body; false when they were malformed (the stream is then aborted).</summary>
    public bool EndBodyWithTrailers(bool tooLarge)
    {
        _remoteEnded = true;
        if (tooLarge || _trailersMalformed)
        {
            Abort();
            return false;
        }
        lock (_bodyLock)
        {
            if (!_bodyClosed)
            {
                _bodyClosed = true;
                _body?.Writer.Complete();
            }
        }
        return true;
    }

    /// <summary>The stream ends early (client reset, connection gone, protocol error): stop all its work.</summary>
    public void Abort()
    {
        _remoteEnded = true;
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        lock (_bodyLock)
        {
            if (_bodyClosed) return;
            _bodyClosed = true;
            _body?.Writer.Complete(new OperationCanceledException("stream reset"));
        }
    }

    /// <summary>
    /// stream_idle_timeout for HTTP/2 streams: a stream with no activity either way for that long (a
    /// client that stopped reading and granted no window, a silent upstream) is reset, so a stalled
    /// stream cannot hold its resources for ever.
    /// </summary>
    private void StartIdleTimer()
    {
        var limit = _connection.Provider.Timeouts.StreamIdle;
        if (limit == 0) return;
        MarkActivity();
        _idleTimer = new Timer(static state => ((Http2ServerStream)state!).OnIdleTimer(), this, TicksToMilliseconds(limit), Timeout.Infinite);
    }

    /// <summary>Bytes moved on the stream: the idle clock starts over.</summary>
    internal void MarkActivity() => Volatile.Write(ref _lastActivity, System.Diagnostics.Stopwatch.GetTimestamp());

    private void OnIdleTimer()
    {
        var limit = _connection.Provider.Timeouts.StreamIdle;
        var idle = System.Diagnostics.Stopwatch.GetTimestamp() - Volatile.Read(ref _lastActivity);
        if (idle < limit)
        {
            try
            {
                _idleTimer?.Change(TicksToMilliseconds(limit - idle), Timeout.Infinite);
            }
            catch (ObjectDisposedException)
            {
            }
            return;
        }
        if (ResponseComplete) return;
        _connection.Provider.Stats.StreamIdleTimeouts.Increment();
        _info?.SetFlag(AccessLog.ResponseFlags.StreamIdleTimeout);
        if (_info is not null) _info.TerminationDetails = "stream_idle_timeout";
        _ = ResetAsync(Http2ErrorCode.Cancel).AsTask();
    }

    private static long TicksToMilliseconds(long ticks) => Math.Max(1, (long)Math.Ceiling(ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency));

    /// <summary>Trailer fields: no pseudo-headers, lower-case tokens, as in the head.</summary>
    public readonly struct TrailerHandler(Http2ServerStream stream) : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex)
        {
            if (name.IsEmpty || name[0] == (byte)':' || name.ContainsAnyExcept(Http1Characters.Token) ||
                name.IndexOfAnyInRange((byte)'A', (byte)'Z') >= 0 || value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0)
            {
                stream._trailersMalformed = true;
                return;
            }
            stream.RequestTrailers!.AddField(name, value);
        }
    }
}

/// <summary>What became of a DATA frame's bytes.</summary>
internal enum BodyReceipt : byte
{
    /// <summary>In the stream's pipe, to be forwarded.</summary>
    Accepted,

    /// <summary>Nobody will read them: their window goes back at once.</summary>
    Dropped,

    /// <summary>They contradict the declared Content-Length: the stream is reset.</summary>
    Malformed,
}
