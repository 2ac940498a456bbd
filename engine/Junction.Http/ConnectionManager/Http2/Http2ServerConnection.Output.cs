using System.Buffers;
using System.Text;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;
using Junction.Network;

namespace Junction.Http.ConnectionManager.Http2;

internal sealed partial class Http2ServerConnection
{
    // One writer at a time: frames go out in the order they are written, which HPACK needs (the
    // encoder's table changes with each block), and a slow client holds up every writer alike.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _frames = new(16 * 1024);
    private readonly ArrayBufferWriter<byte> _blockOut = new(1024);
    private readonly HpackEncoder _encoder = new();
    private readonly Http2Settings _peer = new();

    // Flow control, guarded by _flowLock: what the client may still send on the connection, and what
    // the proxy may still send (the client's connection window).
    private readonly Lock _flowLock = new();
    private Http2FlowWindow _receiveWindow;
    private long _sendWindow = Http2Settings.DefaultInitialWindowSize;
    private int _goAwayLastStream = -1;

    /// <summary>True once the proxy sent GOAWAY: no new streams.</summary>
    private bool GoingAway => _goAwayLastStream >= 0;

    /// <summary>The client's SETTINGS_INITIAL_WINDOW_SIZE: where new streams' send windows start.</summary>
    private int InitialSendWindow
    {
        get
        {
            lock (_flowLock) return _peer.InitialWindowSize;
        }
    }

    private void InitializeWindows() => _receiveWindow = new Http2FlowWindow(0, _options.InitialConnectionWindowSize);

    private ValueTask<bool> SendInitialSettingsAsync()
    {
        Span<Http2SettingsEntry> settings =
        [
            new(Http2SettingsParameter.MaxConcurrentStreams, (uint)_options.MaxConcurrentStreams),
            new(Http2SettingsParameter.InitialWindowSize, (uint)_options.InitialStreamWindowSize),
            new(Http2SettingsParameter.HeaderTableSize, (uint)_options.HpackTableSize),
            new(Http2SettingsParameter.MaxHeaderListSize, (uint)provider.Limits.MaxHeaderBytes),
            new(Http2SettingsParameter.EnablePush, 0),
        ];
        Http2FrameWriter.WriteSettings(_frames, settings);
        // The connection window starts at 65535 whatever the settings say; open it to the configured size.
        var extra = _options.InitialConnectionWindowSize - Http2Settings.DefaultInitialWindowSize;
        if (extra > 0) Http2FrameWriter.WriteWindowUpdate(_frames, 0, extra);
        return FlushFramesAsync();
    }

    private async ValueTask<Http2Error?> OnSettingsFrameAsync(Http2Frame frame)
    {
        if (frame.HasFlag(Http2Flags.Ack)) return null;
        int delta;
        lock (_flowLock)
        {
            var before = _peer.InitialWindowSize;
            if (!_peer.TryApply(frame, out var error)) return error;
            delta = _peer.InitialWindowSize - before;
        }
        if (delta != 0 && AdjustStreamSendWindows(delta) is { } windowError) return windowError;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _encoder.SetPeerMaxTableSize(_peer.HeaderTableSize);
            Http2FrameWriter.WriteSettingsAck(_frames);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        return null;
    }

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE changed: every open stream's send window moves by the difference.</summary>
    private Http2Error? AdjustStreamSendWindows(int delta)
    {
        Http2ServerStream[] open;
        lock (_streamsLock) open = [.. _streams.Values];
        lock (_flowLock)
        {
            foreach (var stream in open)
            {
                stream.SendWindow += delta;
                if (stream.SendWindow > Http2Settings.MaxWindowSize) return Http2Error.Connection(Http2ErrorCode.FlowControlError, "a stream window grew beyond 2^31-1");
                stream.WakeWindowWaiter();
            }
        }
        return null;
    }

    private Http2Error? OnWindowUpdateFrame(Http2Frame frame)
    {
        var increment = frame.GetWindowUpdateIncrement();
        if (frame.StreamId == 0)
        {
            Http2ServerStream[] open;
            lock (_streamsLock) open = [.. _streams.Values];
            lock (_flowLock)
            {
                _sendWindow += increment;
                if (_sendWindow > Http2Settings.MaxWindowSize) return Http2Error.Connection(Http2ErrorCode.FlowControlError, "the connection window grew beyond 2^31-1");
                foreach (var stream in open) stream.WakeWindowWaiter();
            }
            return null;
        }
        // Updates for streams already closed are normal (they crossed our END_STREAM); ignore them.
        if (Find(frame.StreamId) is not { } target) return frame.StreamId > _lastStreamId ? Http2Error.Connection(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE on an idle stream") : null;
        bool overflow;
        lock (_flowLock)
        {
            target.SendWindow += increment;
            overflow = target.SendWindow > Http2Settings.MaxWindowSize;
            target.WakeWindowWaiter();
        }
        if (!overflow) return null;
        target.Abort();
        _ = ResetStreamAsync(target.Id, Http2ErrorCode.FlowControlError).AsTask();
        return CountPrematureReset();
    }

    private bool TryConsumeConnectionWindow(int length, out Http2Error? error)
    {
        lock (_flowLock)
        {
            if (_receiveWindow.TryConsume(length, out var failure))
            {
                error = null;
                return true;
            }
            error = failure;
            return false;
        }
    }

    /// <summary>Bytes of a DATA frame that will never be forwarded: the connection window gets them back.</summary>
    internal ValueTask<bool> ReturnConnectionWindowAsync(int length)
    {
        int increment;
        lock (_flowLock)
        {
            if (!_receiveWindow.TryGetWindowUpdate(length, out increment)) return ValueTask.FromResult(true);
        }
        return SendWindowUpdatesAsync(0, 0, increment);
    }

    /// <summary>
    /// A stream handed <paramref name="length"/> body bytes on (upstream, or dropped padding): the client
    /// may send that much more, on the connection and (unless it has ended it) on the stream.
    /// </summary>
    internal ValueTask<bool> OnBodyConsumedAsync(Http2ServerStream stream, int length)
    {
        int connectionIncrement;
        var streamIncrement = 0;
        lock (_flowLock)
        {
            _receiveWindow.TryGetWindowUpdate(length, out connectionIncrement);
            if (!stream.RemoteEnded) stream.TakeWindowUpdate(length, out streamIncrement);
        }
        if (connectionIncrement == 0 && streamIncrement == 0) return ValueTask.FromResult(true);
        return SendWindowUpdatesAsync(connectionIncrement, stream.Id, streamIncrement);
    }

    private async ValueTask<bool> SendWindowUpdatesAsync(int connectionIncrement, int streamId, int streamIncrement)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (connectionIncrement > 0) Http2FrameWriter.WriteWindowUpdate(_frames, 0, connectionIncrement);
            if (streamIncrement > 0) Http2FrameWriter.WriteWindowUpdate(_frames, streamId, streamIncrement);
            return await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes of send window for <paramref name="stream"/> (its own
    /// and the connection's), waiting until the client grants some. Zero when the stream ended meanwhile.
    /// </summary>
    internal async ValueTask<int> ReserveSendWindowAsync(Http2ServerStream stream, int wanted, CancellationToken token)
    {
        while (true)
        {
            Task wait;
            lock (_flowLock)
            {
                var granted = (int)Math.Min(wanted, Math.Min(_sendWindow, stream.SendWindow));
                if (granted > 0)
                {
                    _sendWindow -= granted;
                    stream.SendWindow -= granted;
                    return granted;
                }
                if (_closed) return 0;
                wait = stream.PrepareWindowWait();
            }
            await wait.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private void GiveBackSendWindow(Http2ServerStream stream, int granted)
    {
        Http2ServerStream[] open;
        lock (_streamsLock) open = [.. _streams.Values];
        lock (_flowLock)
        {
            _sendWindow += granted;
            stream.SendWindow += granted;
            foreach (var other in open) other.WakeWindowWaiter();
        }
    }

    private ValueTask<bool> SendPingAckAsync(ulong data)
    {
        return WriteAsync(data);

        async ValueTask<bool> WriteAsync(ulong opaque)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                Http2FrameWriter.WritePing(_frames, opaque, ack: true);
                return await FlushLockedAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    internal async ValueTask ResetStreamAsync(int streamId, Http2ErrorCode code)
    {
        Stats.ResetsSent.Increment();
        if (Find(streamId) is { } stream)
        {
            stream.Abort();
            RemoveStream(stream);
        }
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Http2FrameWriter.WriteRstStream(_frames, streamId, code);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // The PING that follows the first GOAWAY of a drain ("Junction" in ASCII), to know when it arrived.
    private const ulong DrainPingData = 0x4A756E6374696F6E;

    // 0: serving; 1: the first GOAWAY (all streams) went out; 2: the final one (the last stream taken).
    private int _drainPhase;

    /// <summary>
    /// Graceful drain in two steps (RFC 9113 §6.8): a GOAWAY that names no stream limit tells the client
    /// to open no more, and a PING measures when it has seen it; once the PING returns (or after a
    /// second), a final GOAWAY names the last stream the proxy took. Streams up to it finish; the
    /// connection closes after the last one.
    /// </summary>
    private async Task StartGracefulDrainAsync()
    {
        if (_closed || Interlocked.CompareExchange(ref _drainPhase, 1, 0) != 0) return;
        Stats.GoAwaysSent.Increment();
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Http2FrameWriter.WriteGoAway(_frames, int.MaxValue, Http2ErrorCode.NoError, "draining"u8);
            Http2FrameWriter.WritePing(_frames, DrainPingData, ack: false);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await FinishGracefulDrainAsync().ConfigureAwait(false);
    }

    private async Task FinishGracefulDrainAsync()
    {
        if (Interlocked.CompareExchange(ref _drainPhase, 2, 1) != 1) return;
        Stats.GoAwaysSent.Increment();
        lock (_streamsLock) _goAwayLastStream = _acceptedStreamId;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Http2FrameWriter.WriteGoAway(_frames, _goAwayLastStream, Http2ErrorCode.NoError, "draining"u8);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        CloseIfIdle();
    }

    /// <summary>A connection error: GOAWAY naming the last stream the proxy will process, then close.</summary>
    private async ValueTask GoAwayAsync(Http2Error error)
    {
        if (_closed) return;
        Stats.GoAwaysSent.Increment();
        if (error.Code == Http2ErrorCode.ProtocolError || error.Code == Http2ErrorCode.CompressionError || error.Code == Http2ErrorCode.FrameSizeError) Stats.ProtocolErrors.Increment();
        _goAwayLastStream = _lastStreamId;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Http2FrameWriter.WriteGoAway(_frames, _lastStreamId, error.Code, System.Text.Encoding.ASCII.GetBytes(error.Reason));
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        Close(ConnectionCloseType.FlushWrite);
    }

    /// <summary>
    /// Writes a stream's response head: <c>:status</c>, then the fields of <paramref name="head"/> (an
    /// upstream response; hop-by-hop fields already dropped) with names in lower case as HTTP/2 requires,
    /// the route's response header changes, the server header and a content-length when known.
    /// </summary>
    internal async ValueTask<bool> WriteResponseHeadAsync(Http2ServerStream stream, int status, MessageHead? head, long contentLength,
        string? contentType, bool endStream)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return false;
            EncodeResponseHead(stream, status, head, contentLength, contentType);
            Http2FrameWriter.WriteHeaders(_frames, stream.Id, _blockOut.WrittenSpan, endStream, _peer.MaxFrameSize);
            return await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void EncodeResponseHead(Http2ServerStream stream, int status, MessageHead? head, long contentLength, string? contentType)
    {
        _blockOut.ResetWrittenCount();
        _encoder.BeginHeaderBlock(_blockOut);
        Span<byte> number = stackalloc byte[20];
        status.TryFormat(number, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
        _encoder.EncodeField(_blockOut, ":status"u8, number[..written]);
        var sink = new HpackFieldSink(_encoder, _blockOut);
        if (head is not null)
        {
            for (var i = 0; i < head.FieldCount; i++)
            {
                ref var field = ref head.Field(i);
                if (field.Dropped || field.Known == Http1.KnownHeader.Host) continue;
                var name = head.Name(i);
                if (provider.ServerName is not null && Ascii.EqualsIgnoreCase(name, "server"u8)) continue;
                if (HeaderMutationWriter.Replaces(name, stream.Route.ResponseMutations, stream.Route.ClusterResponseMutations)) continue;
                sink.Field(name, head.Value(i));
            }
            HeaderMutationWriter.VisitAdditions(head, stream.Route.ClusterResponseMutations, stream.Route.ResponseMutations, ref sink);
        }
        if (contentType is not null) sink.Field("content-type"u8, System.Text.Encoding.ASCII.GetBytes(contentType));
        if (provider.ServerName is { } server) sink.Field("server"u8, server);
        if (contentLength >= 0)
        {
            contentLength.TryFormat(number, out written, provider: System.Globalization.CultureInfo.InvariantCulture);
            sink.Field("content-length"u8, number[..written]);
        }
    }

    /// <summary>Writes trailers (a header block ending the stream).</summary>
    internal async ValueTask<bool> WriteTrailersAsync(Http2ServerStream stream, MessageHead trailers)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return false;
            _blockOut.ResetWrittenCount();
            _encoder.BeginHeaderBlock(_blockOut);
            var sink = new HpackFieldSink(_encoder, _blockOut);
            for (var i = 0; i < trailers.FieldCount; i++)
            {
                ref var field = ref trailers.Field(i);
                if (field.Dropped || MessageHead.IsProxyOwned(field.Known) || field.Known == Http1.KnownHeader.Host) continue;
                sink.Field(trailers.Name(i), trailers.Value(i));
            }
            Http2FrameWriter.WriteHeaders(_frames, stream.Id, _blockOut.WrittenSpan, endStream: true, _peer.MaxFrameSize);
            return await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends body bytes as DATA frames within the windows the client granted, waiting for more window
    /// as needed. False when the stream or connection ended first.
    /// </summary>
    internal async ValueTask<bool> WriteDataAsync(Http2ServerStream stream, ReadOnlySequence<byte> data, bool endStream, CancellationToken token)
    {
        while (true)
        {
            var granted = data.IsEmpty ? 0 : await ReserveSendWindowAsync(stream, (int)Math.Min(data.Length, 64 * 1024), token).ConfigureAwait(false);
            if (!data.IsEmpty && granted == 0) return false;
            var last = granted == data.Length;
            var written = false;
            try
            {
                await _writeLock.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    if (_closed) return false;
                    Http2FrameWriter.WriteData(_frames, stream.Id, data.Slice(0, granted), endStream && last, _peer.MaxFrameSize);
                    written = true;
                    if (!await FlushLockedAsync().ConfigureAwait(false)) return false;
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            finally
            {
                // Window taken for bytes that never went out: the client will never grant it again.
                if (!written && granted > 0) GiveBackSendWindow(stream, granted);
            }
            if (last) return true;
            data = data.Slice(granted);
        }
    }

    private async ValueTask<bool> FlushFramesAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends the frames written so far; holds the write lock.</summary>
    private async ValueTask<bool> FlushLockedAsync()
    {
        if (_frames.WrittenCount == 0) return true;
        bool ok;
        try
        {
            ok = await Connection.WriteAsync(new ReadOnlySequence<byte>(_frames.WrittenMemory), endOfStream: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or InvalidOperationException or System.IO.IOException)
        {
            ok = false;
        }
        _frames.ResetWrittenCount();
        return ok;
    }

    /// <summary>The connection closed: streams waiting for window give up.</summary>
    private void ReleaseWaiters()
    {
        Http2ServerStream[] open;
        lock (_streamsLock) open = [.. _streams.Values];
        lock (_flowLock)
        {
            foreach (var stream in open) stream.WakeWindowWaiter();
        }
    }

    /// <summary>Feeds fields to the HPACK encoder, names in lower case (HTTP/1.1 upstreams may send any case).</summary>
    private readonly struct HpackFieldSink(HpackEncoder encoder, IBufferWriter<byte> output) : HeaderMutationWriter.IFieldSink
    {
        public void Field(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            if (name.IndexOfAnyInRange((byte)'A', (byte)'Z') < 0)
            {
                encoder.EncodeField(output, name, value);
                return;
            }
            var rented = name.Length > 256 ? ArrayPool<byte>.Shared.Rent(name.Length) : null;
            Span<byte> lower = rented ?? stackalloc byte[256];
            Ascii.ToLower(name, lower, out var written);
            encoder.EncodeField(output, lower[..written], value);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
