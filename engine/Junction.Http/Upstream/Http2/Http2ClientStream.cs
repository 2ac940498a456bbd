using System.Buffers;
using System.IO.Pipelines;
using Junction.Http.ConnectionManager;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Upstream.Http2;

/// <summary>
/// One request on an upstream HTTP/2 connection, as the downstream side sees it: send the head, body and
/// trailers; await the response head; read the response body from a pipe the connection's read loop
/// fills; see the trailers. A stream the upstream resets, or whose connection ends, fails its waits with
/// <see cref="Http2StreamResetException"/>.
/// </summary>
internal sealed class Http2ClientStream
{
    private readonly Http2ClientConnection _connection;
    private readonly TaskCompletionSource _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Pipe _body = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    // Receive window (what the upstream may still send on this stream); guarded by the connection's flow lock.
    private Http2FlowWindow _receive;
    private TaskCompletionSource? _windowWaiter;
    private int _state;
    // The body writer is fed by the connection's read loop and failed from other threads: one at a time.
    private readonly Lock _bodyLock = new();
    private bool _bodyClosed;
    // Response bytes put in the pipe, and those the reader handed on (for the window given back at the end).
    private long _received;
    private long _consumed;

    public Http2ClientStream(Http2ClientConnection connection) => _connection = connection;

    /// <summary>The local address of the upstream connection the stream is on (%UPSTREAM_LOCAL_ADDRESS%).</summary>
    public System.Net.EndPoint? LocalEndPoint => _connection.Upstream.Connection.LocalEndPoint;

    /// <summary>The stream id, given when the request head is sent (ids must go out in increasing order).</summary>
    public int Id { get; private set; }

    /// <summary>The request side has ended (END_STREAM sent, or the stream was reset).</summary>
    internal bool LocalEnded { get; set; }

    /// <summary>The response side has ended (END_STREAM received, or the stream was reset).</summary>
    internal bool RemoteEnded { get; set; }

    /// <summary>Numbers the stream as its head goes out (under the connection's write lock).</summary>
    internal void Assign(int id, int receiveWindow, int sendWindow)
    {
        Id = id;
        _receive = new Http2FlowWindow(id, receiveWindow);
        SendWindow = sendWindow;
    }

    /// <summary>The response head (status and fields), once <see cref="ReadResponseHeadAsync"/> completed.</summary>
    public MessageHead Response { get; } = new();

    /// <summary>Trailers the upstream sent after the body, or null.</summary>
    public MessageHead? Trailers { get; private set; }

    /// <summary>The response ended with its head (no body), as gRPC's trailers-only responses do.</summary>
    public bool EndedWithHead { get; private set; }

    /// <summary>The response body as the upstream sends it.</summary>
    public PipeReader ResponseBody => _body.Reader;

    /// <summary>What the proxy may still send on this stream; guarded by the connection's flow lock.</summary>
    public long SendWindow { get; set; }

    /// <summary>The upstream's error code when it reset the stream.</summary>
    public Http2ErrorCode? ResetCode { get; private set; }

    /// <summary>Sends the request head (and ends the stream when there is no body).</summary>
    public ValueTask SendHeadersAsync(MessageHead request, RouteOutcome route, HttpConnectionManagerProvider provider, System.Net.EndPoint? remote, bool endStream) =>
        _connection.SendRequestHeadAsync(this, request, route, provider, remote, endStream);

    /// <summary>Sends body bytes within the upstream's windows.</summary>
    public ValueTask SendDataAsync(ReadOnlySequence<byte> data, bool endStream, CancellationToken token) =>
        _connection.SendDataAsync(this, data, endStream, token);

    /// <summary>Sends trailers, ending the request.</summary>
    public ValueTask SendTrailersAsync(MessageHead trailers) => _connection.SendTrailersAsync(this, trailers);

    /// <summary>Waits for the response head (interim 1xx heads are skipped).</summary>
    public async ValueTask ReadResponseHeadAsync(CancellationToken token) => await _head.Task.WaitAsync(token).ConfigureAwait(false);

    /// <summary>The caller handed <paramref name="length"/> body bytes on: the upstream may send as many again.</summary>
    public ValueTask ConsumedAsync(int length)
    {
        Interlocked.Add(ref _consumed, length);
        return _connection.OnResponseBodyConsumedAsync(this, length);
    }

    /// <summary>Gives up on the stream (the client went away, a timeout): RST_STREAM CANCEL to the upstream.</summary>
    public ValueTask CancelAsync() => _connection.CancelStreamAsync(this);

    // ---- fed by the connection's read loop ----

    internal bool TryConsumeReceiveWindow(int length) => _receive.TryConsume(length, out _);

    internal void TakeWindowUpdate(int length, out int increment)
    {
        if (!_receive.TryGetWindowUpdate(length, out increment)) increment = 0;
    }

    internal Task PrepareWindowWait()
    {
        _windowWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _windowWaiter.Task;
    }

    internal void WakeWindowWaiter()
    {
        _windowWaiter?.TrySetResult();
        _windowWaiter = null;
    }

    /// <summary>A header block for this stream was decoded into <see cref="Response"/> or the trailers.</summary>
    internal HeadHandler BeginHeaderBlock()
    {
        if (_state == 0)
        {
            Response.Reset();
            return new HeadHandler(Response, isHead: true);
        }
        Trailers ??= new MessageHead();
        Trailers.Reset();
        return new HeadHandler(Trailers, isHead: false);
    }

    /// <summary>The header block ended: a final head (or trailers) is complete.</summary>
    internal void CompleteHeaderBlock(bool endStream, bool malformed)
    {
        if (malformed)
        {
            Fail(Http2ErrorCode.ProtocolError);
            return;
        }
        if (_state == 0)
        {
            if (Response.StatusCode is >= 100 and < 200)
            {
                // Interim response: the final head comes next.
                Response.Reset();
                return;
            }
            _state = 1;
            EndedWithHead = endStream;
            _head.TrySetResult();
            if (endStream) CompleteBody();
            return;
        }
        // Trailers end the response.
        CompleteBody();
    }

    private void CompleteBody()
    {
        lock (_bodyLock)
        {
            if (_bodyClosed) return;
            _bodyClosed = true;
            _body.Writer.Complete();
        }
    }

    /// <summary>Response body bytes (a DATA frame's, copied).</summary>
    internal bool ReceiveData(in ReadOnlySequence<byte> data, bool endStream)
    {
        lock (_bodyLock)
        {
            if (_bodyClosed) return false;
            foreach (var segment in data) _body.Writer.Write(segment.Span);
            _received += data.Length;
            _ = _body.Writer.FlushAsync();
            if (endStream)
            {
                _bodyClosed = true;
                _body.Writer.Complete();
            }
            return true;
        }
    }

    /// <summary>
    /// The stream is over: response bytes received but never handed on, whose window the connection gives
    /// back so that cancelled streams do not shrink it for the streams that share it.
    /// </summary>
    internal long TakeUnread()
    {
        lock (_bodyLock)
        {
            var consumed = Interlocked.Read(ref _consumed);
            var unread = _received - consumed;
            _received = consumed;
            return unread;
        }
    }

    /// <summary>The upstream reset the stream, or the connection ended: every wait fails.</summary>
    internal void Fail(Http2ErrorCode code)
    {
        ResetCode ??= code;
        var error = new Http2StreamResetException(code);
        _head.TrySetException(error);
        lock (_bodyLock)
        {
            if (!_bodyClosed)
            {
                _bodyClosed = true;
                _body.Writer.Complete(error);
            }
        }
        WakeWindowWaiter();
    }

    /// <summary>Builds a response head from decoded fields: :status first, then regular fields.</summary>
    internal readonly struct HeadHandler(MessageHead target, bool isHead) : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex)
        {
            if (name.IsEmpty) return;
            if (name[0] == (byte)':')
            {
                if (isHead && name.SequenceEqual(":status"u8) && value.Length == 3 &&
                    int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
                {
                    target.SetStatusLine(Http1.Http1Version.Http11, status, ReasonPhrases.For(status));
                }
                return;
            }
            if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0) return;
            target.AddField(name, value);
        }
    }
}

/// <summary>An upstream HTTP/2 stream ended before its response did.</summary>
internal sealed class Http2StreamResetException(Http2ErrorCode code) : IOException($"the upstream reset the stream ({code})")
{
    public Http2ErrorCode Code { get; } = code;
}
