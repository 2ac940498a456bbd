using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Junction.Core.Transport;

/// <summary>
/// A TCP socket exposed as a <see cref="ConnectionContext"/>: a receive loop copies socket bytes into the
/// input pipe, a send loop writes the output pipe to the socket. Used for accepted and outbound
/// connections alike.
/// </summary>
/// <remarks>
/// Half-close is explicit: the peer's FIN completes the input pipe (readers see IsCompleted), and
/// completing the output pipe sends our FIN after everything written has been sent. The connection is
/// closed when it is disposed; <see cref="Abort(ConnectionAbortedException)"/> closes it with a reset.
/// </remarks>
internal sealed class SocketConnection : ConnectionContext, IConnectionSocketFeature, IConnectionEndPointFeature
{
    private static long s_nextId;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly SocketSender _sender = new();
    // Set when a ReceivePoller watches the socket: the receive loop then waits on this instead of a
    // zero-byte receive, and reads with non-blocking recv calls of its own.
    private ReadableSignal? _readable;
    private ReceivePoller? _poller;
    private long _pollerId;
    // The most the receive loop reads before it flushes to the application: the pipe's own limit.
    private readonly int _readBatchBytes;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private Task _receiveTask = Task.CompletedTask;
    private Task _sendTask = Task.CompletedTask;
    private int _aborted;
    private int _disposed;
    private int _sendShutdown;
    private long _bytesReceived;
    private long _bytesSent;

    public SocketConnection(Socket socket, TransportOptions options)
    {
        _socket = socket;
        _input = new Pipe(options.InputOptions);
        _output = new Pipe(options.OutputOptions);
        _readBatchBytes = options.BufferLimitBytes;
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Id = Interlocked.Increment(ref s_nextId);
        ConnectionId = "C" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _features.Set<IConnectionSocketFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    public long Id { get; }

    public Socket Socket => _socket;

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes read from the socket so far.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Bytes handed to the socket so far.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>True once the connection was aborted (reset) rather than closed in order.</summary>
    public bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>Starts the receive and send loops. Call once.</summary>
    public void Start()
    {
        if (_readable is null) WatchWithPoller();
        _receiveTask = ReceiveLoopAsync();
        _sendTask = SendLoopAsync();
    }

    /// <summary>Closes the connection at once with a TCP reset.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        try
        {
            // Linger on with a zero timeout turns close() into a reset.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        WakeReceiveLoop();
        _output.Reader.CancelPendingRead();
        SignalClosed();
    }

    /// <summary>
    /// Closes the socket now without a reset: bytes not yet handed to the kernel are dropped, the peer
    /// sees FIN (or a reset, if it had sent bytes we never read: that is the kernel's rule).
    /// </summary>
    public void CloseNow()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        try
        {
            // On Linux, .NET turns disposing a socket with an operation pending (the receive loop always
            // has one) into a reset, unless its send side was shut down first.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        WakeReceiveLoop();
        _output.Reader.CancelPendingRead();
        SignalClosed();
    }

    /// <summary>Completes when the send loop has ended (everything sent and FIN, or an error).</summary>
    public Task WaitForSendCompletedAsync() => _sendTask;

    /// <summary>
    /// Closes the connection in order: whatever the application completed the output with is sent (the
    /// caller completes <c>Transport.Output</c> first), then the socket is closed.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _output.Writer.Complete();
        await _sendTask.ConfigureAwait(false);
        _socket.Dispose();
        WakeReceiveLoop();
        // The application reads no more. Completing the input first also frees a receive loop that is
        // waiting for room in a full input pipe; awaiting it before that would wait forever.
        _input.Reader.Complete();
        await _receiveTask.ConfigureAwait(false);
        SignalClosed();
        _sender.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        var writer = _input.Writer;
        try
        {
            var waitForData = true;
            var unflushed = 0;
            while (true)
            {
                if (waitForData)
                {
                    // Wait for readability without holding a buffer, so an idle connection costs no
                    // pooled memory: the poller's signal costs no syscall; without a poller, a zero-byte
                    // receive tries recv once (EAGAIN) and then waits. Skipped right after a read that
                    // filled its buffer, because more bytes are then very likely already waiting.
                    if (_readable is not null) await _readable.WaitAsync().ConfigureAwait(false);
                    else await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }
                var memory = writer.GetMemory();
                int received;
                if (_readable is null)
                {
                    received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                }
                else if (!TryReceiveNow(memory.Span, out received))
                {
                    // Nothing after all (an edge for bytes an earlier read already took): wait for the
                    // next one. The pipe keeps the block it lent until then; this is rare.
                    waitForData = true;
                    continue;
                }
                if (received == 0)
                {
                    if (!IsAborted && ReadEndWasReset()) error = new ConnectionResetException("Connection reset by peer");
                    break;
                }
                writer.Advance(received);
                Volatile.Write(ref _bytesReceived, _bytesReceived + received);
                // A read that returned less than it asked for drained the socket (the kernel copies until
                // its queue is empty), so the next one waits for an edge; unless the peer already sent
                // FIN or reset, which may have come with these bytes and raises no further edge.
                waitForData = received < memory.Length && _readable?.PeerClosed != true;
                unflushed += received;
                // A read that filled its block usually left more in the kernel. Reading that too (up to
                // the buffer limit) before the flush lets the reader forward it with one gathered send
                // instead of one send per 16 KiB block: with inline completions the reader runs within
                // the flush, so nothing else would batch (tcp-bulk: about 1.4 s of CPU per GiB unbatched,
                // 0.8 batched; FIONREAD costs one cheap syscall per full block).
                if (!waitForData && unflushed < _readBatchBytes && _socket.Available > 0) continue;
                unflushed = 0;
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (SocketException ex) when (IsResetOrClosed(ex.SocketErrorCode))
        {
            error = IsAborted ? null : new ConnectionResetException(ex.Message, ex);
        }
        catch (ObjectDisposedException)
        {
            // Closed locally: not an error of the peer.
        }
        catch (Exception ex)
        {
            error = ex;
        }
        _poller?.Remove(_pollerId);
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands readability to a <see cref="ReceivePoller"/> when there is one. The socket is made
    /// non-blocking for this process's own calls, which only the receive loop makes (sends, connects
    /// and accepts are asynchronous and never block anyway).
    /// </summary>
    private void WatchWithPoller()
    {
        var poller = ReceivePoller.Next();
        if (poller is null) return;
        var readable = new ReadableSignal();
        try
        {
            _socket.Blocking = false;
            if (!poller.TryAdd(_socket, readable, out _pollerId))
            {
                _socket.Blocking = true;
                return;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Gone already: the runtime's receive reports it.
            return;
        }
        _poller = poller;
        _readable = readable;
    }

    /// <summary>
    /// Takes over a poller registration made before the connection existed (<see cref="SocketConnector"/>
    /// waits for its connect on the poller). Call before <see cref="Start"/>.
    /// </summary>
    public void UsePoller(ReceivePoller poller, ReadableSignal readable, long id)
    {
        _poller = poller;
        _readable = readable;
        _pollerId = id;
    }

    /// <summary>One non-blocking recv: false when nothing is waiting; throws on a socket error.</summary>
    private bool TryReceiveNow(Span<byte> buffer, out int received)
    {
        received = _socket.Receive(buffer, SocketFlags.None, out var error);
        if (error == SocketError.Success) return true;
        if (error == SocketError.WouldBlock) return false;
        throw new SocketException((int)error);
    }

    /// <summary>
    /// After the socket was closed here: a receive loop waiting on the poller gets no edge for a closed
    /// socket, so it is woken to find the socket gone. From the thread pool, as the runtime completes the
    /// receives it aborts: the loop would otherwise go on (completing the input pipe, running its reader)
    /// inside the caller of Abort, CloseNow or DisposeAsync.
    /// </summary>
    private void WakeReceiveLoop()
    {
        if (_readable is { } readable) ThreadPool.UnsafeQueueUserWorkItem(static r => r.Raise(peerClosed: true), readable, preferLocal: false);
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        var reader = _output.Reader;
        var completedInOrder = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled) break;
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await _sender.SendAsync(_socket, buffer).ConfigureAwait(false);
                    Volatile.Write(ref _bytesSent, _bytesSent + buffer.Length);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    completedInOrder = true;
                    break;
                }
            }
        }
        catch (SocketException ex) when (IsResetOrClosed(ex.SocketErrorCode))
        {
            error = IsAborted ? null : new ConnectionResetException(ex.Message, ex);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            error = ex;
        }

        if (completedInOrder && !IsAborted)
        {
            try
            {
                // Half-close: the peer reads our FIN after the last byte; we can still receive.
                Volatile.Write(ref _sendShutdown, 1);
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
        await reader.CompleteAsync(error).ConfigureAwait(false);
    }

    private void SignalClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Tells a reset from a FIN after a read returned 0. The kernel reports a reset's error to one call only,
    /// and when a concurrent send takes it the read just sees the end of the stream. With our send side still
    /// open, a FIN leaves the socket in CLOSE_WAIT while a reset leaves it in CLOSE. After our own FIN both
    /// end in CLOSE, so a reset then still reads as a FIN. Linux only; elsewhere always false.
    /// </summary>
    private bool ReadEndWasReset()
    {
        const int IpProtoTcp = 6;
        const int TcpInfo = 11;
        const byte TcpClose = 7;
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _sendShutdown) != 0) return false;
        // tcpi_state is the first byte of struct tcp_info; the kernel copies only as much as asked for.
        Span<byte> info = stackalloc byte[1];
        try
        {
            return _socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) == 1 && info[0] == TcpClose;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool IsResetOrClosed(SocketError error) => error is
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or
        SocketError.OperationAborted or SocketError.Interrupted or SocketError.NetworkReset or
        SocketError.Disconnecting or SocketError.NotConnected or SocketError.TimedOut;
}
