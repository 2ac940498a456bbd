using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Junction.AccessLog;
using Junction.Core.Transport;
using Junction.Network;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Network;

/// <summary>
/// A downstream connection and its network filter chain: reads the socket, offers the bytes to the read
/// filters in order, passes writes through the write filters in reverse order, and closes the connection
/// when a filter asks or when both directions have ended.
/// </summary>
/// <remarks>
/// Threading: the read loop runs one filter call at a time. Writes come from whichever task a filter
/// uses to produce them (tcp_proxy's upstream pump, say); the chain assumes one writer at a time.
/// Closing may be requested from any thread; the close itself runs on the connection's own task.
/// </remarks>
internal sealed partial class NetworkConnection : INetworkConnection, INetworkFilterChainBuilder
{
    // How long a FlushWrite close keeps reading (and discarding) after our FIN, so that the peer reads
    // our last bytes before the kernel would answer its unread data with a reset (Envoy's delayed close).
    private static readonly TimeSpan s_delayedCloseTimeout = TimeSpan.FromSeconds(1);

    // How long a FlushWrite close may take in all before the connection is reset instead: a peer that
    // stopped reading must not hold a closing connection (and its upstream) open until the drain ends.
    private static readonly TimeSpan s_flushCloseTimeout = TimeSpan.FromSeconds(10);

    private readonly SocketConnection _transport;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ListenerStats _stats;
    private readonly ILogger _logger;
    private readonly int _bufferLimit;
    private readonly List<ReadFilterEntry> _readFilters = new(2);
    private readonly List<WriteFilterEntry> _writeFilters = new(1);
    private readonly NetworkData _readData = new();
    private readonly NetworkData _writeData = new();
    private readonly TaskCompletionSource<ConnectionCloseType> _closeRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _drain = new();
    // Serialises use of the output pipe (PipeWriter is single-writer): a producer's write and flush,
    // and the close path's completion of the pipe, never overlap. Uncontended, it costs no allocation.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Index of the read filter to resume from after ContinueReading, or -1.
    private int _resumeIndex = -1;
    // Read filters that have not yet continued past OnNewConnectionAsync: no data flows until this is 0.
    private int _pendingNewConnection;
    private int _inputEnded;
    private int _outputEnded;
    private int _closingFlag;

    public NetworkConnection(SocketConnection transport, ListenerStats stats, int bufferLimit, ILogger logger)
    {
        _transport = transport;
        _input = transport.Transport.Input;
        _output = transport.Transport.Output;
        _stats = stats;
        _bufferLimit = bufferLimit;
        _logger = logger;
        Info = new StreamInfo(transport.RemoteEndPoint, transport.LocalEndPoint);
    }

    public long Id => _transport.Id;

    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    public EndPoint? LocalEndPoint => _transport.LocalEndPoint;

    public StreamInfo Info { get; }

    public CancellationToken Closed => _closed.Token;

    public CancellationToken Closing => _closing.Token;

    public CancellationToken DrainRequested => _drain.Token;

    /// <summary>The listener drains: filters that can end the connection gracefully are told so.</summary>
    public void RequestDrain()
    {
        try
        {
            _drain.Cancel();
        }
        catch (AggregateException ex)
        {
            _logger.LogWarning(ex, "connection {Id}: a drain callback failed", Id);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing left to drain.
        }
    }

    INetworkConnection INetworkFilterChainBuilder.Connection => this;

    public void AddReadFilter(INetworkReadFilter filter)
    {
        var entry = new ReadFilterEntry(this, filter, _readFilters.Count);
        _readFilters.Add(entry);
        filter.Initialize(entry);
    }

    public void AddWriteFilter(INetworkWriteFilter filter)
    {
        // Write filters run in reverse configuration order (as in Envoy): the last one added sees
        // outgoing data first, so it goes to the front.
        var entry = new WriteFilterEntry(this, filter);
        _writeFilters.Insert(0, entry);
        for (var i = 0; i < _writeFilters.Count; i++) _writeFilters[i].Index = i;
        filter.Initialize(entry);
    }

    /// <summary>
    /// Runs the connection to its end: the new-connection event, the read loop, and the close. Never
    /// throws; a filter that throws closes its connection with a reset and is logged.
    /// </summary>
    public async Task RunAsync()
    {
        try
        {
            _pendingNewConnection = _readFilters.Count;
            await IterateReadFiltersAsync(0).ConfigureAwait(false);
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (ConnectionResetException)
        {
            Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            Close(ConnectionCloseType.AbortReset);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "connection {Id}: closing after an unexpected error", Id);
            Close(ConnectionCloseType.AbortReset);
        }

        var closeType = await _closeRequested.Task.ConfigureAwait(false);
        await FinishCloseAsync(closeType).ConfigureAwait(false);
    }

    public ValueTask<bool> WriteAsync(ReadOnlySequence<byte> data, bool endOfStream) => WriteFromAsync(0, data, endOfStream);

    public void Close(ConnectionCloseType type)
    {
        if (Interlocked.Exchange(ref _closingFlag, 1) != 0) return;
        _closeRequested.TrySetResult(type);
        // A close that drops pending bytes acts on the socket now, not when the read loop gets back:
        // the loop may be inside a filter that waits for this very connection (a flush to a client that
        // stopped reading), and closing the socket is what ends that wait.
        if (type == ConnectionCloseType.NoFlush) _transport.CloseNow();
        else if (type == ConnectionCloseType.AbortReset) _transport.Abort(new ConnectionAbortedException("reset by the proxy"));
        // Wake the read loop if it is waiting for bytes: it stops offering data once closing.
        _input.CancelPendingRead();
        try
        {
            _closing.Cancel();
        }
        catch (AggregateException ex)
        {
            _logger.LogWarning(ex, "connection {Id}: a closing callback failed", Id);
        }
    }

    /// <summary>
    /// Resets the connection now, whatever state it is in (even mid-close, e.g. a flush to a peer that
    /// stopped reading). Used when a drain period ends.
    /// </summary>
    public void Abort()
    {
        Close(ConnectionCloseType.AbortReset);
        _transport.Abort(new ConnectionAbortedException("reset by the proxy"));
    }

    private bool IsClosing => Volatile.Read(ref _closingFlag) != 0;

    private async Task ReadLoopAsync()
    {
        long buffered = 0;
        while (!IsClosing)
        {
            var result = await _input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            Info.AddBytesReceived(buffer.Length - buffered);
            if (IsClosing)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                return;
            }

            var start = 0;
            if (result.IsCanceled)
            {
                var resume = Interlocked.Exchange(ref _resumeIndex, -1);
                if (resume < 0)
                {
                    buffered = buffer.Length;
                    _input.AdvanceTo(buffer.Start, buffer.Start);
                    continue;
                }
                start = resume;
            }

            var endOfStream = result.IsCompleted;
            _readData.Reset(buffer);
            if (_pendingNewConnection > 0)
            {
                // Data waits until every filter has continued past the new-connection event; then all of
                // it is offered from the first filter.
                if (start > 0) await IterateReadFiltersAsync(start).ConfigureAwait(false);
                if (_pendingNewConnection == 0) await OfferReadDataAsync(0, _readData, endOfStream).ConfigureAwait(false);
            }
            else
            {
                await OfferReadDataAsync(start, _readData, endOfStream).ConfigureAwait(false);
            }

            var remaining = _readData.Buffer;
            buffered = remaining.Length;
            _input.AdvanceTo(remaining.Start, buffer.End);

            if (endOfStream && _pendingNewConnection == 0)
            {
                Interlocked.Exchange(ref _inputEnded, 1);
                CloseIfBothDirectionsEnded();
                return;
            }
            if (endOfStream && _pendingNewConnection > 0)
            {
                // The peer left before the chain was ready: nothing more will arrive to continue it.
                Close(ConnectionCloseType.NoFlush);
                return;
            }
            if (buffered >= _bufferLimit && remaining.Length == buffer.Length)
            {
                // Filters hold a full buffer without consuming: reading more would wait forever.
                _stats.BufferOverflow.Increment();
                Close(ConnectionCloseType.NoFlush);
                return;
            }
        }
    }

    /// <summary>
    /// Runs the new-connection event through the filters from <paramref name="start"/>; once every filter
    /// has continued, offers any buffered data.
    /// </summary>
    // Pooled builders: these run for every read and write, and a state machine that goes async
    // would otherwise be a heap allocation each time.
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask IterateReadFiltersAsync(int start)
    {
        for (var i = start; i < _readFilters.Count; i++)
        {
            var entry = _readFilters[i];
            if (entry.SawNewConnection) continue;
            entry.SawNewConnection = true;
            _pendingNewConnection--;
            var status = await entry.Filter.OnNewConnectionAsync().ConfigureAwait(false);
            if (status == FilterStatus.StopIteration || IsClosing) return;
        }
    }

    /// <summary>Offers <paramref name="data"/> to the read filters from <paramref name="start"/>.</summary>
[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask OfferReadDataAsync(int start, NetworkData data, bool endOfStream)
    {
        for (var i = start; i < _readFilters.Count; i++)
        {
            var entry = _readFilters[i];
            if (data.IsEmpty && !(endOfStream && !entry.SawEndOfStream)) return;
            if (endOfStream) entry.SawEndOfStream = true;
            var status = await entry.Filter.OnDataAsync(data, endOfStream).ConfigureAwait(false);
            if (status == FilterStatus.StopIteration || IsClosing) return;
        }
    }

[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> WriteFromAsync(int start, ReadOnlySequence<byte> data, bool endOfStream)
    {
        if (IsClosing || Volatile.Read(ref _outputEnded) != 0) return false;
        if (_writeFilters.Count > start)
        {
            _writeData.Reset(data);
            for (var i = start; i < _writeFilters.Count; i++)
            {
                var status = await _writeFilters[i].Filter.OnWriteAsync(_writeData, endOfStream).ConfigureAwait(false);
                if (status == FilterStatus.StopIteration) return !IsClosing;
            }
            data = _writeData.Buffer;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _outputEnded) != 0) return false;
            foreach (var segment in data)
            {
                _output.Write(segment.Span);
            }
            Info.AddBytesSent(data.Length);
            FlushResult flush;
            try
            {
                flush = await _output.FlushAsync().ConfigureAwait(false);
            }
            catch (ConnectionResetException)
            {
                // The send loop failed because the peer reset: the downstream ended this, not the upstream.
                Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                Close(ConnectionCloseType.AbortReset);
                return false;
            }
            if (flush.IsCompleted) return false;
            if (!endOfStream) return true;
            // Completing the output makes the transport send FIN after the last byte.
            Interlocked.Exchange(ref _outputEnded, 1);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        CloseIfBothDirectionsEnded();
        return true;
    }

    /// <summary>Completes the output pipe once no producer is using it; later writes return false.</summary>
    private async Task CompleteOutputAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _outputEnded, 1);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void CloseIfBothDirectionsEnded()
    {
        if (Volatile.Read(ref _outputEnded) != 0 && Volatile.Read(ref _inputEnded) != 0)
        {
            Close(ConnectionCloseType.FlushWrite);
        }
    }

    private async Task FinishCloseAsync(ConnectionCloseType type)
    {
        try
        {
            switch (type)
            {
                case ConnectionCloseType.FlushWrite:
                    var flushed = FlushAndDrainAsync();
                    if (await Task.WhenAny(flushed, Task.Delay(s_flushCloseTimeout)).ConfigureAwait(false) != flushed)
                    {
                        _transport.Abort(new ConnectionAbortedException("close flush timed out"));
                        await flushed.ConfigureAwait(false);
                    }
                    break;
                case ConnectionCloseType.NoFlush:
                    // Closing the socket first fails any pending flush, so the lock is free soon.
                    _transport.CloseNow();
                    await CompleteOutputAsync().ConfigureAwait(false);
                    break;
                default:
                    _transport.Abort(new ConnectionAbortedException("reset by the proxy"));
                    await CompleteOutputAsync().ConfigureAwait(false);
                    break;
            }
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "connection {Id}: error while closing", Id);
        }
        finally
        {
            Info.MarkEnded();
            try
            {
                _closed.Cancel();
            }
            catch (AggregateException ex)
            {
                _logger.LogWarning(ex, "connection {Id}: a close callback failed", Id);
            }
        }
    }

    /// <summary>Sends everything written and FIN, then reads out the peer's last bytes.</summary>
    private async Task FlushAndDrainAsync()
    {
        // Waits for a producer's pending flush: everything written goes out before FIN.
        await CompleteOutputAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _inputEnded) == 0) await DrainInputAsync().ConfigureAwait(false);
        await _transport.WaitForSendCompletedAsync().ConfigureAwait(false);
    }

    /// <summary>Reads and discards until the peer closes or the delayed-close timeout passes.</summary>
    private async Task DrainInputAsync()
    {
        using var timeout = new CancellationTokenSource(s_delayedCloseTimeout);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(timeout.Token).ConfigureAwait(false);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ConnectionResetException)
        {
        }
    }
}
