using System.Buffers;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;
using Junction.Network;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// The connection manager on one downstream HTTP/2 connection (RFC 9113, cleartext with prior
/// knowledge): reads frames, keeps the connection's state (settings, flow-control windows, the HPACK
/// decoder, the open streams), and starts one <see cref="Http2ServerStream"/> per request, which routes
/// it and forwards it to an HTTP/1.1 upstream. Split by concern: this file the read side and frame
/// handling, <c>.Output.cs</c> the writes and send windows.
/// </summary>
/// <remarks>
/// <para>Frames are handled inside <see cref="OnDataAsync"/>, which the network filter chain never
/// overlaps; streams run as their own tasks. The two meet in a few places, each guarded: the stream
/// table, the flow-control windows, and the output (one writer at a time, in encoding order, because
/// HPACK state is shared).</para>
/// <para>Backpressure: a stream's request body is buffered only as far as the window the proxy granted,
/// and the proxy grants more only after the bytes went upstream; the read loop awaits its own writes,
/// so a client that sends control frames without reading the answers stops being read.</para>
/// </remarks>
internal sealed partial class Http2ServerConnection(HttpConnectionManagerProvider provider) : INetworkReadFilter
{
    // Premature resets are tolerated up to this share of the streams, once this many streams have been
    // opened: streams the client reset before their response finished (the rapid reset attack), and
    // streams the proxy reset for the client's own protocol errors (resets it provoked, "MadeYouReset").
    private const int PrematureResetMinStreams = 100;
    private const double PrematureResetMaxShare = 0.5;

    // PING and SETTINGS frames a second before the connection counts as a flood.
    private const int MaxControlFramesPerSecond = 1000;

    private readonly Http2Options _options = provider.Http2;
    private readonly Http2FrameReader _reader = new(isServer: true);
    private readonly HpackDecoder _decoder = new(provider.Http2.HpackTableSize, provider.Limits.MaxHeaderBytes);
    private readonly Dictionary<int, Http2ServerStream> _streams = [];
    private readonly Lock _streamsLock = new();
    private IReadFilterCallbacks _callbacks = null!;
    private bool _prefaceReceived;
    private int _lastStreamId;
    private int _streamsOpened;
    private int _prematureResets;
    private long _priorityFrames;
    private int _consecutiveEmptyFrames;
    private long _controlWindowStart;
    private int _controlFrames;
    private bool _peerGoingAway;
    private bool _closed;

    // The header block being assembled from HEADERS + CONTINUATION (stream 0: none open).
    private int _blockStream;
    private bool _blockEndStream;
    private bool _blockDiscard;
    // The highest stream id accepted (registered), for the final GOAWAY of a drain; guarded by _streamsLock.
    private int _acceptedStreamId;
    private byte[] _block = ArrayPool<byte>.Shared.Rent(4096);
    private int _blockLength;

    internal INetworkConnection Connection => _callbacks.Connection;

    internal HttpConnectionManagerProvider Provider => provider;

    internal Http2Stats Stats { get; } = provider.Http2Stats;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    public async ValueTask<FilterStatus> OnNewConnectionAsync()
    {
        provider.Stats.ConnectionsTotal.Increment();
        provider.Stats.ConnectionsActive.Increment();
        Connection.Closed.Register(static state => ((Http2ServerConnection)state!).OnClosed(), this);
        InitializeWindows();
        await SendInitialSettingsAsync().ConfigureAwait(false);
        Connection.DrainRequested.Register(static state => _ = ((Http2ServerConnection)state!).StartGracefulDrainAsync(), this);
        return FilterStatus.Continue;
    }

    public async ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        if (_closed)
        {
            data.ConsumeAll();
            return FilterStatus.StopIteration;
        }
        var buffer = data.Buffer;
        if (!_prefaceReceived)
        {
            switch (Http2Preface.Match(buffer))
            {
                case Http2PrefaceMatch.NeedMore:
                    if (endOfStream) Close(ConnectionCloseType.FlushWrite);
                    return FilterStatus.StopIteration;
                case Http2PrefaceMatch.Mismatch:
                    Stats.ProtocolErrors.Increment();
                    await GoAwayAsync(Http2Error.Connection(Http2ErrorCode.ProtocolError, "not an HTTP/2 connection preface")).ConfigureAwait(false);
                    data.ConsumeAll();
                    return FilterStatus.StopIteration;
            }
            buffer = buffer.Slice(Http2Preface.Length);
            _prefaceReceived = true;
        }

        while (!_closed)
        {
            var result = _reader.Read(ref buffer, out var frame, out var error);
            if (result == Http2FrameReadResult.NeedMoreData) break;
            if (result == Http2FrameReadResult.Error)
            {
                if (error.IsConnectionError)
                {
                    await GoAwayAsync(error).ConfigureAwait(false);
                    break;
                }
                // A stream error consumed its frame: reset that stream and read on. The frame still
                // counts against the connection window if it was DATA.
                if (frame.Type == Http2FrameType.Data) await ReturnConnectionWindowAsync(frame.Header.Length).ConfigureAwait(false);
                if (await ResetProvokedAsync(error.StreamId, error.Code).ConfigureAwait(false) is { } flood)
                {
                    await GoAwayAsync(flood).ConfigureAwait(false);
                    break;
                }
                continue;
            }
            var failure = await HandleFrameAsync(frame).ConfigureAwait(false);
            if (failure is { } connectionError)
            {
                await GoAwayAsync(connectionError).ConfigureAwait(false);
                break;
            }
        }

        data.Consume(data.Length - buffer.Length);
        if (_closed) data.ConsumeAll();
        if (endOfStream && !_closed)
        {
            // The client closed its side: no more frames can come, so nothing open can complete.
            Close(ConnectionCloseType.FlushWrite);
        }
        return FilterStatus.StopIteration;
    }

    /// <summary>Handles one well-formed frame; a connection error when the frame breaks the connection's state.</summary>
    private async ValueTask<Http2Error?> HandleFrameAsync(Http2Frame frame)
    {
        if (_blockStream != 0 && (frame.Type != Http2FrameType.Continuation || frame.StreamId != _blockStream))
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "a header block was interrupted by another frame");
        }
        switch (frame.Type)
        {
            case Http2FrameType.Data:
                return await OnDataFrameAsync(frame).ConfigureAwait(false);
            case Http2FrameType.Headers:
                return await OnHeadersFrameAsync(frame).ConfigureAwait(false);
            case Http2FrameType.Continuation:
                return await OnContinuationFrameAsync(frame).ConfigureAwait(false);
            case Http2FrameType.Priority:
                return OnPriorityFrame(frame);
            case Http2FrameType.RstStream:
                return OnRstStreamFrame(frame);
            case Http2FrameType.Settings:
                if (!frame.HasFlag(Http2Flags.Ack) && CountControlFrame() is { } settingsFlood) return settingsFlood;
                return await OnSettingsFrameAsync(frame).ConfigureAwait(false);
            case Http2FrameType.Ping:
                if (!frame.HasFlag(Http2Flags.Ack) && CountControlFrame() is { } pingFlood) return pingFlood;
                if (!frame.HasFlag(Http2Flags.Ack)) await SendPingAckAsync(frame.GetPingData()).ConfigureAwait(false);
                else if (frame.GetPingData() == DrainPingData) _ = FinishGracefulDrainAsync();
                return null;
            case Http2FrameType.GoAway:
                _peerGoingAway = true;
                CloseIfIdle();
                return null;
            case Http2FrameType.WindowUpdate:
                return OnWindowUpdateFrame(frame);
            default:
                // Unknown frame types are ignored (RFC 9113 §4.1); PUSH_PROMISE was refused by the reader.
                return null;
        }
    }

    private async ValueTask<Http2Error?> OnDataFrameAsync(Http2Frame frame)
    {
        var length = frame.Header.Length;
        if (CountEmptyFrame(length == 0 && !frame.HasFlag(Http2Flags.EndStream)) is { } flood) return flood;
        if (!TryConsumeConnectionWindow(length, out var windowError)) return windowError;

        var stream = Find(frame.StreamId);
        if (stream is null || stream.RemoteEnded)
        {
            await ReturnConnectionWindowAsync(length).ConfigureAwait(false);
            if (stream is null && frame.StreamId > _lastStreamId) return Http2Error.Connection(Http2ErrorCode.ProtocolError, "DATA on an idle stream");
            // A stream this side ended (reset, or answered without reading its body): DATA the client sent
            // before it knew is ignored (RFC 9113 §5.1). DATA after the client's own END_STREAM is an error.
            return stream is null ? null : await ResetProvokedAsync(frame.StreamId, Http2ErrorCode.StreamClosed).ConfigureAwait(false);
        }
        bool withinWindow;
        lock (_flowLock) withinWindow = stream.TryConsumeReceiveWindow(length);
        if (!withinWindow)
        {
            await ReturnConnectionWindowAsync(length).ConfigureAwait(false);
            stream.Abort();
            return await ResetProvokedAsync(frame.StreamId, Http2ErrorCode.FlowControlError).ConfigureAwait(false);
        }
        var data = frame.GetData();
        // Padding was never going to be forwarded: give its share of the windows back now.
        var padding = length - (int)data.Length;
        if (padding > 0) await OnBodyConsumedAsync(stream, padding).ConfigureAwait(false);
        switch (stream.ReceiveBody(data, frame.HasFlag(Http2Flags.EndStream)))
        {
            case BodyReceipt.Dropped:
                await ReturnConnectionWindowAsync((int)data.Length).ConfigureAwait(false);
                break;
            case BodyReceipt.Malformed:
                await ReturnConnectionWindowAsync((int)data.Length).ConfigureAwait(false);
                stream.Abort();
                return await ResetProvokedAsync(frame.StreamId, Http2ErrorCode.ProtocolError).ConfigureAwait(false);
        }
        return null;
    }

    private async ValueTask<Http2Error?> OnHeadersFrameAsync(Http2Frame frame)
    {
        var id = frame.StreamId;
        if (CountEmptyFrame(frame.Header.Length == 0 && !frame.HasFlag(Http2Flags.EndStream)) is { } flood) return flood;
        var existing = Find(id);
        if (existing is null && id <= _lastStreamId)
        {
            // A stream this side already ended (reset, refused, answered): frames the client sent before
            // it knew are ignored (RFC 9113 §5.1), but the block is still decoded to keep HPACK in step.
            _blockStream = id;
            _blockDiscard = true;
            _blockLength = 0;
            if (AppendToBlock(frame.GetFieldBlockFragment()) is { } late) return late;
            return frame.HasFlag(Http2Flags.EndHeaders) ? await CompleteHeaderBlockAsync().ConfigureAwait(false) : null;
        }
        if (existing is null && (id & 1) == 0) return Http2Error.Connection(Http2ErrorCode.ProtocolError, "a client stream id must be odd");
        if (existing is not null && (existing.RemoteEnded || !frame.HasFlag(Http2Flags.EndStream)))
        {
            // Trailers must end the stream; anything else on an open stream is a second header block.
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "a second header block must carry END_STREAM (trailers)");
        }
        _blockStream = id;
        _blockDiscard = false;
        _blockEndStream = frame.HasFlag(Http2Flags.EndStream);
        _blockLength = 0;
        if (AppendToBlock(frame.GetFieldBlockFragment()) is { } tooBig) return tooBig;
        return frame.HasFlag(Http2Flags.EndHeaders) ? await CompleteHeaderBlockAsync().ConfigureAwait(false) : null;
    }

    private async ValueTask<Http2Error?> OnContinuationFrameAsync(Http2Frame frame)
    {
        if (_blockStream == 0) return Http2Error.Connection(Http2ErrorCode.ProtocolError, "CONTINUATION without an open header block");
        if (CountEmptyFrame(frame.Header.Length == 0 && !frame.HasFlag(Http2Flags.EndHeaders)) is { } flood) return flood;
        if (AppendToBlock(frame.GetFieldBlockFragment()) is { } tooBig) return tooBig;
        return frame.HasFlag(Http2Flags.EndHeaders) ? await CompleteHeaderBlockAsync().ConfigureAwait(false) : null;
    }

    /// <summary>
    /// Adds a fragment to the header block. The whole block is bounded (twice the header limit, since
    /// HPACK may expand or shrink it): a peer sending CONTINUATION frames without end is cut off.
    /// </summary>
    private Http2Error? AppendToBlock(in ReadOnlySequence<byte> fragment)
    {
        var limit = Math.Max(16 * 1024, provider.Limits.MaxHeaderBytes * 2);
        if (_blockLength + fragment.Length > limit)
        {
            Stats.HeaderBlockFlood.Increment();
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "header block too large");
        }
        var needed = _blockLength + (int)fragment.Length;
        if (needed > _block.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _block.Length * 2));
            _block.AsSpan(0, _blockLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_block);
            _block = bigger;
        }
        fragment.CopyTo(_block.AsSpan(_blockLength));
        _blockLength = needed;
        return null;
    }

    /// <summary>A header block is complete: the request head of a new stream, or a stream's trailers.</summary>
    private async ValueTask<Http2Error?> CompleteHeaderBlockAsync()
    {
        var id = _blockStream;
        var endStream = _blockEndStream;
        _blockStream = 0;
        var block = _block.AsSpan(0, _blockLength);
        if (_blockDiscard)
        {
            _blockDiscard = false;
            return TryDecode(block, default(DiscardFields), out _, out var lateError) ? null : lateError;
        }

        if (Find(id) is { } existing)
        {
            // Trailers: decoded into the stream's trailer head, then the body ends.
            if (!TryDecode(block, existing.TrailersHandler(), out var tooLarge, out var compressionError)) return compressionError;
            return existing.EndBodyWithTrailers(tooLarge) ? null : await ResetProvokedAsync(id, Http2ErrorCode.ProtocolError).ConfigureAwait(false);
        }

        _lastStreamId = id;
        var stream = new Http2ServerStream(this, id, _options.InitialStreamWindowSize, InitialSendWindow);
        if (!TryDecode(block, new Http2RequestHead.Handler(stream.Request), out var headTooLarge, out var error)) return error;
        bool refuse;
        // Decided and registered under the lock the drain takes to pick the last stream of its final
        // GOAWAY: a stream is either accepted and within it, or refused.
        lock (_streamsLock)
        {
            refuse = _peerGoingAway || GoingAway || _streams.Count >= _options.MaxConcurrentStreams;
            if (!refuse)
            {
                _streams[id] = stream;
                _acceptedStreamId = id;
            }
        }
        if (refuse)
        {
            Stats.StreamsRefused.Increment();
            await ResetStreamAsync(id, Http2ErrorCode.RefusedStream).ConfigureAwait(false);
            return null;
        }
        _streamsOpened++;
        Stats.StreamsActive.Increment();
        if (headTooLarge)
        {
            stream.StartLocalReply(431, endStream);
            return null;
        }
        if (!stream.Request.Complete())
        {
            Stats.MessagingErrors.Increment();
            RemoveStream(stream);
            return await ResetProvokedAsync(id, Http2ErrorCode.ProtocolError).ConfigureAwait(false);
        }
        stream.Start(endStream);
        return null;
    }

    /// <summary>Decodes a block; false (with the connection error) when the HPACK state is broken.</summary>
    private bool TryDecode<TH>(ReadOnlySpan<byte> block, TH handler, out bool headerListTooLarge, out Http2Error? error)
        where TH : struct, IHpackHeaderHandler
    {
        headerListTooLarge = false;
        error = null;
        try
        {
            _decoder.Decode(block, ref handler);
            return true;
        }
        catch (HpackDecodingException ex) when (!ex.IsConnectionError)
        {
            // The decoder kept its table in step: only this stream is affected.
            Stats.HeaderListTooLarge.Increment();
            headerListTooLarge = true;
            return true;
        }
        catch (HpackDecodingException ex)
        {
            error = Http2Error.Connection(Http2ErrorCode.CompressionError, "HPACK: " + ex.Reason);
            return false;
        }
    }

    private Http2Error? OnPriorityFrame(Http2Frame frame)
    {
        // Priorities are ignored (RFC 9113 deprecates them), but a flood of them is still work. They are
        // counted for the whole connection (any stream, open or not), as many per stream opened plus one.
        if (++_priorityFrames > (long)_options.MaxPriorityFramesPerStream * (1 + _streamsOpened))
        {
            Stats.PriorityFlood.Increment();
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "too many PRIORITY frames");
        }
        return null;
    }

    private Http2Error? OnRstStreamFrame(Http2Frame frame)
    {
        var stream = Find(frame.StreamId);
        if (stream is null)
        {
            return frame.StreamId > _lastStreamId ? Http2Error.Connection(Http2ErrorCode.ProtocolError, "RST_STREAM on an idle stream") : null;
        }
        Stats.ResetsReceived.Increment();
        stream.Abort();
        // Rapid reset: streams opened only to be reset cost the proxy (and upstreams) work each.
        return stream.ResponseComplete ? null : CountPrematureReset();
    }

    /// <summary>
    /// Resets a stream for the client's own protocol error. Such resets count against the same budget as
    /// the client's: an attacker who cannot reset streams itself can make the proxy do it for them.
    /// </summary>
    private async ValueTask<Http2Error?> ResetProvokedAsync(int streamId, Http2ErrorCode code)
    {
        await ResetStreamAsync(streamId, code).ConfigureAwait(false);
        return CountPrematureReset();
    }

    /// <summary>Counts a stream ended early; the connection error once the connection has had too many.</summary>
    private Http2Error? CountPrematureReset()
    {
        if (++_prematureResets < PrematureResetMinStreams / 2 || _streamsOpened < PrematureResetMinStreams ||
            _prematureResets <= _streamsOpened * PrematureResetMaxShare)
        {
            return null;
        }
        Stats.RapidResetFlood.Increment();
        return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "too many streams reset early");
    }

    /// <summary>
    /// PING and SETTINGS frames each make the proxy write an acknowledgement. A client that sends them
    /// by the thousand (to make the proxy queue answers, or just to burn its CPU) is cut off: at most
    /// <see cref="MaxControlFramesPerSecond"/> a second, far beyond any keepalive or settings change.
    /// </summary>
    private Http2Error? CountControlFrame()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (now - _controlWindowStart > System.Diagnostics.Stopwatch.Frequency)
        {
            _controlWindowStart = now;
            _controlFrames = 0;
        }
        if (++_controlFrames <= MaxControlFramesPerSecond) return null;
        Stats.ControlFrameFlood.Increment();
        return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "too many PING or SETTINGS frames");
    }

    private Http2Error? CountEmptyFrame(bool empty)
    {
        if (!empty)
        {
            _consecutiveEmptyFrames = 0;
            return null;
        }
        if (++_consecutiveEmptyFrames <= _options.MaxConsecutiveEmptyFrames) return null;
        Stats.EmptyFrameFlood.Increment();
        return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "too many frames without payload");
    }

    internal Http2ServerStream? Find(int id)
    {
        lock (_streamsLock) return _streams.GetValueOrDefault(id);
    }

    private int ActiveStreams
    {
        get
        {
            lock (_streamsLock) return _streams.Count;
        }
    }

    /// <summary>A stream finished (or was refused after it was registered): it leaves the table.</summary>
    internal void RemoveStream(Http2ServerStream stream)
    {
        bool removed;
        lock (_streamsLock) removed = _streams.Remove(stream.Id);
        if (removed) Stats.StreamsActive.Decrement();
        CloseIfIdle();
    }

    /// <summary>After GOAWAY (either way) the connection ends with its last stream.</summary>
    private void CloseIfIdle()
    {
        if ((_peerGoingAway || GoingAway) && ActiveStreams == 0) Close(ConnectionCloseType.FlushWrite);
    }

    private void Close(ConnectionCloseType how)
    {
        if (_closed) return;
        _closed = true;
        Connection.Close(how);
    }

    private void OnClosed()
    {
        _closed = true;
        provider.Stats.ConnectionsActive.Decrement();
        Http2ServerStream[] open;
        lock (_streamsLock)
        {
            open = [.. _streams.Values];
            _streams.Clear();
        }
        foreach (var stream in open)
        {
            Stats.StreamsActive.Decrement();
            stream.Abort();
        }
        // The header block buffer is left to the GC: the read loop may still be using it.
        ReleaseWaiters();
    }

    /// <summary>Decodes and forgets a header block (a stream already ended).</summary>
    private readonly struct DiscardFields : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex)
        {
        }
    }
}
