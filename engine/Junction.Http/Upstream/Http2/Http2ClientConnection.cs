using System.Buffers;
using System.IO.Pipelines;
using Junction.Http.ConnectionManager;
using Junction.Http.Http1;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;
using Junction.Upstream;

namespace Junction.Http.Upstream.Http2;

/// <summary>
/// One HTTP/2 connection to an upstream host (cleartext, prior knowledge), carrying many streams: a read
/// loop of its own handles the host's frames and feeds the streams; requests write under one lock, in
/// order, because the HPACK encoder's table and stream ids depend on it.
/// </summary>
/// <remarks>
/// Flow control both ways: the proxy sends request bytes only within the host's windows, and grants the
/// host more response bytes only after the downstream took them (<see cref="OnResponseBodyConsumedAsync"/>),
/// so a slow client slows the host instead of filling the proxy's memory.
/// </remarks>
internal sealed class Http2ClientConnection : IAsyncDisposable
{
    private readonly UpstreamHttp2Options _options;
    private readonly Http2FrameReader _reader = new(isServer: false) { EnablePush = false };
    private readonly HpackDecoder _decoder;
    private readonly HpackEncoder _encoder = new();
    private readonly Http2Settings _peer = new();
    private readonly Dictionary<int, Http2ClientStream> _streams = [];
    private readonly Lock _streamsLock = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _block = new(1024);
    private readonly Lock _flowLock = new();
    private Http2FlowWindow _receiveWindow;
    private long _sendWindow = Http2Settings.DefaultInitialWindowSize;
    private int _nextStreamId = 1;
    private int _reserved;
    private volatile bool _goingAway;
    private volatile bool _closed;
    private Task _readLoop = Task.CompletedTask;

    // The header block being assembled from HEADERS + CONTINUATION.
    private int _blockStream;
    private bool _blockEndStream;
    private byte[] _headerBlock = new byte[4096];
    private int _headerBlockLength;

    private Http2ClientConnection(IUpstreamConnection upstream, UpstreamHttp2Options options, int maxHeaderBytes)
    {
        Upstream = upstream;
        _options = options;
        _decoder = new HpackDecoder(maxHeaderListSize: maxHeaderBytes);
        _receiveWindow = new Http2FlowWindow(0, options.InitialConnectionWindowSize);
    }

    public IUpstreamConnection Upstream { get; }

    private PipeReader Input => Upstream.Connection.Transport.Input;

    private PipeWriter Output => Upstream.Connection.Transport.Output;

    /// <summary>True once the connection can take no new stream (GOAWAY, closed).</summary>
    public bool IsDone => _goingAway || _closed;

    /// <summary>Streams reserved or open.</summary>
    public int ActiveStreams => Volatile.Read(ref _reserved);

    /// <summary>When the last stream ended (Stopwatch timestamp), for the pool's idle sweep.</summary>
    public long IdleSince { get; private set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Sends the preface and settings and starts reading.</summary>
    public static async ValueTask<Http2ClientConnection> StartAsync(IUpstreamConnection upstream, UpstreamHttp2Options options, int maxHeaderBytes)
    {
        var connection = new Http2ClientConnection(upstream, options, maxHeaderBytes);
        var output = connection.Output;
        Http2FrameWriter.WriteClientPreface(output);
        Http2FrameWriter.WriteSettings(output,
        [
            new(Http2SettingsParameter.EnablePush, 0),
            new(Http2SettingsParameter.InitialWindowSize, (uint)options.InitialStreamWindowSize),
            new(Http2SettingsParameter.MaxHeaderListSize, (uint)maxHeaderBytes),
        ]);
        var extra = options.InitialConnectionWindowSize - Http2Settings.DefaultInitialWindowSize;
        if (extra > 0) Http2FrameWriter.WriteWindowUpdate(output, 0, extra);
        await output.FlushAsync().ConfigureAwait(false);
        connection._readLoop = connection.ReadLoopAsync();
        return connection;
    }

    /// <summary>A stream slot, if the connection has one free (this side's limit and the host's SETTINGS).</summary>
    public Http2ClientStream? TryReserveStream()
    {
        lock (_streamsLock)
        {
            var limit = Math.Min(_options.MaxConcurrentStreams, (long)_peer.MaxConcurrentStreams);
            if (IsDone || _reserved >= limit || _nextStreamId > int.MaxValue - 2) return null;
            _reserved++;
            return new Http2ClientStream(this);
        }
    }

    internal async ValueTask SendRequestHeadAsync(Http2ClientStream stream, MessageHead request, RouteOutcome route,
        HttpConnectionManagerProvider provider, System.Net.EndPoint? remote, bool endStream)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (IsDone) throw new Http2StreamResetException(Http2ErrorCode.RefusedStream);
            // Cancelled while it waited for the lock: its slot is already given back.
            if (stream.ResetCode is { } code) throw new Http2StreamResetException(code);
            var id = _nextStreamId;
            _nextStreamId += 2;
            // Under the flow lock, so that a SETTINGS frame changing the initial window either comes
            // before (the stream starts with the new value) or after (it adjusts the stream too).
            lock (_flowLock)
            {
                stream.Assign(id, _options.InitialStreamWindowSize, _peer.InitialWindowSize);
                lock (_streamsLock) _streams[id] = stream;
            }
            EncodeRequestHead(request, ref route, provider, remote);
            Http2FrameWriter.WriteHeaders(Output, id, _block.WrittenSpan, endStream, _peer.MaxFrameSize);
            if (endStream) stream.LocalEnded = true;
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// The request head in HTTP/2 form: the pseudo-headers from the request line and Host (as routed and
    /// rewritten), then the same fields an HTTP/1.1 upstream would get, and <c>te: trailers</c> when the
    /// client asked for trailers (gRPC does), which HTTP/1.1 treats as hop-by-hop.
    /// </summary>
    private void EncodeRequestHead(MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider, System.Net.EndPoint? remote)
    {
        _block.ResetWrittenCount();
        _encoder.BeginHeaderBlock(_block);
        _encoder.EncodeField(_block, ":method"u8, request.MethodBytes);
        _encoder.EncodeField(_block, ":scheme"u8, "http"u8);
        var hostIndex = request.Find(KnownHeader.Host);
        var authority = route.RewrittenHost is { } rewritten ? rewritten : hostIndex >= 0 ? request.Value(hostIndex) : default;
        if (!authority.IsEmpty) _encoder.EncodeField(_block, ":authority"u8, authority);
        _encoder.EncodeField(_block, ":path"u8, route.RewrittenTarget is { } target ? target : request.Target);
        var sink = new RequestFieldSink(_encoder, _block);
        UpstreamRequestHead.VisitFields(request, ref route, provider, remote, "http"u8, ref sink);
        for (var i = 0; i < request.FieldCount; i++)
        {
            if (request.Field(i).Known == KnownHeader.TE && request.Value(i).SequenceEqual("trailers"u8))
            {
                _encoder.EncodeField(_block, "te"u8, "trailers"u8);
                break;
            }
        }
    }

    internal async ValueTask SendDataAsync(Http2ClientStream stream, ReadOnlySequence<byte> data, bool endStream, CancellationToken token)
    {
        while (true)
        {
            var granted = 0;
            if (!data.IsEmpty)
            {
                Task? wait = null;
                lock (_flowLock)
                {
                    granted = (int)Math.Min(Math.Min(data.Length, 64 * 1024), Math.Min(_sendWindow, stream.SendWindow));
                    if (granted > 0)
                    {
                        _sendWindow -= granted;
                        stream.SendWindow -= granted;
                    }
                    else
                    {
                        wait = stream.PrepareWindowWait();
                    }
                }
                if (wait is not null)
                {
                    if (_closed || stream.ResetCode is not null) throw new Http2StreamResetException(stream.ResetCode ?? Http2ErrorCode.Cancel);
                    await wait.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }
            }
            var last = granted == data.Length;
            var written = false;
            try
            {
                await _writeLock.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    if (_closed || stream.ResetCode is not null) throw new Http2StreamResetException(stream.ResetCode ?? Http2ErrorCode.Cancel);
                    Http2FrameWriter.WriteData(Output, stream.Id, data.Slice(0, granted), endStream && last, _peer.MaxFrameSize);
                    written = true;
                    if (endStream && last) stream.LocalEnded = true;
                    await FlushLockedAsync().ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            finally
            {
                // Window taken for bytes that never went out: the host will never grant it again.
                if (!written && granted > 0)
                {
                    lock (_flowLock)
                    {
                        _sendWindow += granted;
                        stream.SendWindow += granted;
                        lock (_streamsLock)
                        {
                            foreach (var other in _streams.Values) other.WakeWindowWaiter();
                        }
                    }
                }
            }
            if (endStream && last) ReleaseIfDone(stream);
            if (last) return;
            data = data.Slice(granted);
        }
    }

    internal async ValueTask SendTrailersAsync(Http2ClientStream stream, MessageHead trailers)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed || stream.ResetCode is not null) throw new Http2StreamResetException(stream.ResetCode ?? Http2ErrorCode.Cancel);
            _block.ResetWrittenCount();
            _encoder.BeginHeaderBlock(_block);
            var sink = new RequestFieldSink(_encoder, _block);
            for (var i = 0; i < trailers.FieldCount; i++)
            {
                ref var field = ref trailers.Field(i);
                if (field.Dropped || MessageHead.IsProxyOwned(field.Known) || field.Known == KnownHeader.Host) continue;
                sink.Field(trailers.Name(i), trailers.Value(i));
            }
            Http2FrameWriter.WriteHeaders(Output, stream.Id, _block.WrittenSpan, endStream: true, _peer.MaxFrameSize);
            stream.LocalEnded = true;
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        ReleaseIfDone(stream);
    }

    internal async ValueTask OnResponseBodyConsumedAsync(Http2ClientStream stream, int length)
    {
        int connectionIncrement;
        var streamIncrement = 0;
        lock (_flowLock)
        {
            _receiveWindow.TryGetWindowUpdate(length, out connectionIncrement);
            if (!stream.RemoteEnded) stream.TakeWindowUpdate(length, out streamIncrement);
        }
        if (connectionIncrement == 0 && streamIncrement == 0) return;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return;
            if (connectionIncrement > 0) Http2FrameWriter.WriteWindowUpdate(Output, 0, connectionIncrement);
            if (streamIncrement > 0) Http2FrameWriter.WriteWindowUpdate(Output, stream.Id, streamIncrement);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal async ValueTask CancelStreamAsync(Http2ClientStream stream)
    {
        if (stream.LocalEnded && stream.RemoteEnded)
        {
            await ReturnUnreadAsync(stream).ConfigureAwait(false);
            return;
        }
        var wasOpen = stream.Id != 0;
        stream.Fail(Http2ErrorCode.Cancel);
        stream.LocalEnded = stream.RemoteEnded = true;
        ReleaseIfDone(stream);
        await ReturnUnreadAsync(stream).ConfigureAwait(false);
        if (!wasOpen || _closed) return;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Http2FrameWriter.WriteRstStream(Output, stream.Id, Http2ErrorCode.Cancel);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The connection is failing anyway.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Response bytes a finished stream never handed on go back to the connection's window.</summary>
    private async ValueTask ReturnUnreadAsync(Http2ClientStream stream)
    {
        var unread = stream.TakeUnread();
        if (unread <= 0 || _closed) return;
        int increment;
        lock (_flowLock) _receiveWindow.TryGetWindowUpdate((int)unread, out increment);
        if (increment == 0) return;
        try
        {
            await WriteControlAsync(output => Http2FrameWriter.WriteWindowUpdate(output, 0, increment)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The connection is failing anyway.
        }
    }

    /// <summary>A stream both sides have ended gives its slot back.</summary>
    private void ReleaseIfDone(Http2ClientStream stream)
    {
        lock (_streamsLock)
        {
            if (!stream.LocalEnded || !stream.RemoteEnded) return;
            if (stream.Id != 0 && !_streams.Remove(stream.Id)) return;
            if (stream.Id == 0 && stream.ResetCode is null) return;
            if (--_reserved == 0) IdleSince = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    private async ValueTask FlushLockedAsync()
    {
        var flush = await Output.FlushAsync().ConfigureAwait(false);
        if (flush.IsCompleted) throw new IOException("the upstream connection is closed");
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                Http2Error? failure = null;
                while (failure is null)
                {
                    var read = _reader.Read(ref buffer, out var frame, out var error);
                    if (read == Http2FrameReadResult.NeedMoreData) break;
                    if (read == Http2FrameReadResult.Error)
                    {
                        if (error.IsConnectionError) failure = error;
                        else await FailStreamAsync(error.StreamId, error.Code).ConfigureAwait(false);
                        continue;
                    }
                    failure = await HandleFrameAsync(frame).ConfigureAwait(false);
                }
                Input.AdvanceTo(buffer.Start, buffer.End);
                if (failure is { } connectionError)
                {
                    await GoAwayAsync(connectionError.Code).ConfigureAwait(false);
                    break;
                }
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or Microsoft.AspNetCore.Connections.ConnectionResetException or HpackDecodingException)
        {
            // The connection is gone; the streams learn it below.
        }
        Shutdown();
    }

    private async ValueTask<Http2Error?> HandleFrameAsync(Http2Frame frame)
    {
        if (_blockStream != 0 && (frame.Type != Http2FrameType.Continuation || frame.StreamId != _blockStream))
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "a header block was interrupted");
        }
        switch (frame.Type)
        {
            case Http2FrameType.Settings:
                if (frame.HasFlag(Http2Flags.Ack)) return null;
                return await ApplySettingsAsync(frame).ConfigureAwait(false);
            case Http2FrameType.Ping:
                if (!frame.HasFlag(Http2Flags.Ack)) await WriteControlAsync(output => Http2FrameWriter.WritePing(output, frame.GetPingData(), ack: true)).ConfigureAwait(false);
                return null;
            case Http2FrameType.GoAway:
                OnGoAway(frame.GetGoAwayLastStreamId());
                return null;
            case Http2FrameType.WindowUpdate:
                return OnWindowUpdate(frame.StreamId, frame.GetWindowUpdateIncrement());
            case Http2FrameType.RstStream:
                if (Find(frame.StreamId) is { } reset)
                {
                    reset.Fail(frame.GetRstStreamErrorCode());
                    reset.LocalEnded = reset.RemoteEnded = true;
                    ReleaseIfDone(reset);
                    await ReturnUnreadAsync(reset).ConfigureAwait(false);
                }
                return null;
            case Http2FrameType.Headers:
                _blockStream = frame.StreamId;
                _blockEndStream = frame.HasFlag(Http2Flags.EndStream);
                _headerBlockLength = 0;
                AppendBlock(frame.GetFieldBlockFragment());
                return frame.HasFlag(Http2Flags.EndHeaders) ? CompleteHeaderBlock() : null;
            case Http2FrameType.Continuation:
                AppendBlock(frame.GetFieldBlockFragment());
                if (_headerBlockLength > 1024 * 1024) return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "header block too large");
                return frame.HasFlag(Http2Flags.EndHeaders) ? CompleteHeaderBlock() : null;
            case Http2FrameType.Data:
                return await OnDataAsync(frame).ConfigureAwait(false);
            default:
                return null;
        }
    }

    private async ValueTask<Http2Error?> OnDataAsync(Http2Frame frame)
    {
        var length = frame.Header.Length;
        Http2ClientStream? stream;
        lock (_flowLock)
        {
            if (!_receiveWindow.TryConsume(length, out var windowError)) return windowError;
            stream = Find(frame.StreamId);
            if (stream is not null && !stream.TryConsumeReceiveWindow(length))
            {
                stream.Fail(Http2ErrorCode.FlowControlError);
                stream = null;
            }
        }
        var data = frame.GetData();
        var unused = stream is null ? length : length - (int)data.Length;
        if (stream is not null && !stream.ReceiveData(data, frame.HasFlag(Http2Flags.EndStream)))
        {
            // The stream was failed or cancelled meanwhile: nobody reads these bytes.
            unused += (int)data.Length;
            stream = null;
        }
        if (stream is not null)
        {
            var end = frame.HasFlag(Http2Flags.EndStream);
            if (end)
            {
                stream.RemoteEnded = true;
                ReleaseIfDone(stream);
            }
        }
        // Bytes nobody will read (a stream gone, padding) go back to the connection window at once.
        if (unused > 0)
        {
            int increment;
            lock (_flowLock) _receiveWindow.TryGetWindowUpdate(unused, out increment);
            if (increment > 0) await WriteControlAsync(output => Http2FrameWriter.WriteWindowUpdate(output, 0, increment)).ConfigureAwait(false);
        }
        return null;
    }

    private void AppendBlock(in ReadOnlySequence<byte> fragment)
    {
        var needed = _headerBlockLength + (int)fragment.Length;
        if (needed > _headerBlock.Length) Array.Resize(ref _headerBlock, Math.Max(needed, _headerBlock.Length * 2));
        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength = needed;
    }

    private Http2Error? CompleteHeaderBlock()
    {
        var id = _blockStream;
        _blockStream = 0;
        var block = _headerBlock.AsSpan(0, _headerBlockLength);
        var stream = Find(id);
        if (stream is null)
        {
            // A stream this side reset: its block must still be decoded to keep the HPACK table in step.
            var discard = default(DiscardHandler);
            try
            {
                _decoder.Decode(block, ref discard);
            }
            catch (HpackDecodingException ex) when (!ex.IsConnectionError)
            {
            }
            return null;
        }
        var handler = stream.BeginHeaderBlock();
        var malformed = false;
        try
        {
            _decoder.Decode(block, ref handler);
        }
        catch (HpackDecodingException ex) when (!ex.IsConnectionError)
        {
            malformed = true;
        }
        catch (HpackDecodingException)
        {
            return Http2Error.Connection(Http2ErrorCode.CompressionError, "HPACK");
        }
        stream.CompleteHeaderBlock(_blockEndStream, malformed || (stream.Response.StatusCode == 0));
        if (_blockEndStream || malformed)
        {
            stream.RemoteEnded = true;
            if (malformed) stream.LocalEnded = true;
            ReleaseIfDone(stream);
        }
        return null;
    }

    private async ValueTask<Http2Error?> ApplySettingsAsync(Http2Frame frame)
    {
        int delta;
        lock (_flowLock)
        {
            Http2ClientStream[] open;
            lock (_streamsLock) open = [.. _streams.Values];
            var before = _peer.InitialWindowSize;
            if (!_peer.TryApply(frame, out var error)) return error;
            delta = _peer.InitialWindowSize - before;
            foreach (var stream in open)
            {
                stream.SendWindow += delta;
                stream.WakeWindowWaiter();
            }
        }
        await WriteControlAsync(output =>
        {
            _encoder.SetPeerMaxTableSize(_peer.HeaderTableSize);
            Http2FrameWriter.WriteSettingsAck(output);
        }).ConfigureAwait(false);
        return null;
    }

    private Http2Error? OnWindowUpdate(int streamId, int increment)
    {
        lock (_flowLock)
        {
            if (streamId == 0)
            {
                _sendWindow += increment;
                if (_sendWindow > Http2Settings.MaxWindowSize) return Http2Error.Connection(Http2ErrorCode.FlowControlError, "window overflow");
                lock (_streamsLock)
                {
                    foreach (var stream in _streams.Values) stream.WakeWindowWaiter();
                }
                return null;
            }
            if (Find(streamId) is { } target)
            {
                target.SendWindow += increment;
                target.WakeWindowWaiter();
            }
            return null;
        }
    }

    private void OnGoAway(int lastStreamId)
    {
        _goingAway = true;
        Http2ClientStream[] refused;
        lock (_streamsLock) refused = [.. _streams.Values.Where(s => s.Id > lastStreamId)];
        // Streams the host never processed: it said so, so they may be retried elsewhere.
        foreach (var stream in refused)
        {
            stream.Fail(Http2ErrorCode.RefusedStream);
            stream.LocalEnded = stream.RemoteEnded = true;
            ReleaseIfDone(stream);
        }
    }

    /// <summary>A frame broke the rules for its stream only: that stream ends (RST_STREAM), the connection goes on.</summary>
    private async ValueTask FailStreamAsync(int streamId, Http2ErrorCode code)
    {
        if (Find(streamId) is not { } stream) return;
        stream.Fail(code);
        stream.LocalEnded = stream.RemoteEnded = true;
        ReleaseIfDone(stream);
        await ReturnUnreadAsync(stream).ConfigureAwait(false);
        await WriteControlAsync(output => Http2FrameWriter.WriteRstStream(output, streamId, code)).ConfigureAwait(false);
    }

    private async ValueTask GoAwayAsync(Http2ErrorCode code)
    {
        try
        {
            await WriteControlAsync(output => Http2FrameWriter.WriteGoAway(output, 0, code, default)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
        }
    }

    private async ValueTask WriteControlAsync(Action<IBufferWriter<byte>> write)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return;
            write(Output);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Http2ClientStream? Find(int id)
    {
        lock (_streamsLock) return _streams.GetValueOrDefault(id);
    }

    /// <summary>The connection ended: every open stream fails, and the pool forgets the connection.</summary>
    private void Shutdown()
    {
        _closed = true;
        Http2ClientStream[] open;
        lock (_streamsLock)
        {
            open = [.. _streams.Values];
            _streams.Clear();
        }
        foreach (var stream in open) stream.Fail(Http2ErrorCode.ConnectError);
        lock (_flowLock)
        {
            foreach (var stream in open) stream.WakeWindowWaiter();
        }
        _ = Upstream.DisposeAsync().AsTask();
    }

    /// <summary>Closes an idle connection politely: GOAWAY, then the socket.</summary>
    public async ValueTask CloseIdleAsync()
    {
        _goingAway = true;
        await GoAwayAsync(Http2ErrorCode.NoError).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        Upstream.Connection.Abort();
        await _readLoop.ConfigureAwait(false);
    }

    private readonly struct DiscardHandler : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex)
        {
        }
    }

    /// <summary>Request fields for HPACK: lower-case names; Host became :authority; connection-specific fields never go.</summary>
    private readonly struct RequestFieldSink(HpackEncoder encoder, IBufferWriter<byte> output) : HeaderMutationWriter.IFieldSink
    {
        public void Field(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            var known = KnownHeaders.Identify(name);
            if (known == KnownHeader.Host || MessageHead.IsProxyOwned(known)) return;
            if (name.IndexOfAnyInRange((byte)'A', (byte)'Z') < 0)
            {
                encoder.EncodeField(output, name, value);
                return;
            }
            var rented = ArrayPool<byte>.Shared.Rent(name.Length);
            System.Text.Ascii.ToLower(name, rented, out var written);
            encoder.EncodeField(output, rented.AsSpan(0, written), value);
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
