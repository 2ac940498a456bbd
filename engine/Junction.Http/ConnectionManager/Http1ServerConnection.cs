using System.Runtime.CompilerServices;
using System.Buffers;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The HTTP/1.1 connection manager on one downstream connection: parses requests, routes them, forwards
/// each to an upstream connection from the cluster's pool and relays the response, one exchange at a
/// time. Pipelined requests wait in the receive buffer and are answered in order, because the next
/// request is parsed only after the previous response has been written.
/// </summary>
/// <remarks>
/// Everything here runs inside <see cref="OnDataAsync"/> calls, which the network filter chain never
/// overlaps: an exchange may span several calls (a request body arriving in pieces), and its state lives
/// in fields between them. The one other actor is the timeout timer, which never writes while an
/// <see cref="OnDataAsync"/> call runs (see <c>Http1ServerConnection.Timeouts.cs</c>). Backpressure
/// both ways is an awaited flush: a request body is read from the client only as fast as the upstream
/// takes it, and a response body is read from the upstream only as fast as the client takes it.
/// </remarks>
internal sealed partial class Http1ServerConnection(HttpConnectionManagerProvider provider) : INetworkReadFilter
{
    private enum State : byte
    {
        RequestLine,
        Headers,
        Body,
        Tunnel,
        Closed,
    }

    private readonly Http1Parser _parser = new(provider.Limits);
    private readonly Http1ChunkedDecoder _requestChunks = new(provider.Limits);
    private readonly MessageHead _request = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private IReadFilterCallbacks _callbacks = null!;
    private State _state;
    private Exchange? _exchange;
    private Exchange? _reusableExchange;

    private INetworkConnection Connection => _callbacks.Connection;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    public ValueTask<FilterStatus> OnNewConnectionAsync()
    {
        provider.Stats.ConnectionsTotal.Increment();
        provider.Stats.ConnectionsActive.Increment();
        Connection.Closed.Register(static state => ((Http1ServerConnection)state!).OnClosed(), this);
        StartTimeouts();
        Connection.DrainRequested.Register(static state => ((Http1ServerConnection)state!).OnDrainRequested(), this);
        return ValueTask.FromResult(FilterStatus.Continue);
    }

    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    public async ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        // Held for the whole call: the timer acts directly only while no call runs (Timeouts.cs).
        if (_gate is { } gate)
        {
            await gate.WaitAsync().ConfigureAwait(false);
            MarkActivity();
        }
        try
        {
            try
            {
                while (_state != State.Closed)
                {
                    if (_state == State.Tunnel)
                    {
                        await ForwardTunnelAsync(data, endOfStream).ConfigureAwait(false);
                        return FilterStatus.StopIteration;
                    }
                    if (_state == State.RequestLine && !ParseRequestLine(data)) break;
                    if (_state == State.Headers && !ParseHeaders(data)) break;
                    if (_state == State.Body)
                    {
                        var exchange = _exchange!;
                        if (!exchange.Started) await StartExchangeAsync(exchange, data, endOfStream).ConfigureAwait(false);
                        else if (exchange.Filters is not null) await DecodeFilteredBodyAsync(exchange, data, endOfStream).ConfigureAwait(false);
                        else if (exchange.Http2Upstream is not null) await ForwardBodyToHttp2Async(exchange, data, endOfStream).ConfigureAwait(false);
                        else await ForwardRequestBodyAsync(exchange, data, endOfStream).ConfigureAwait(false);
                        // Still in the body: wait for more bytes from the client.
                        if (_state == State.Body) break;
                    }
                }
            }
            catch (Http1ParseException ex)
            {
                await RejectRequestAsync(ex.Reason).ConfigureAwait(false);
            }

            if (endOfStream && _state is not State.Closed and not State.Tunnel)
            {
                // The client half-closed. Between requests that is a clean end; inside a request it is a
                // truncated message, and there is nobody left to answer.
                _state = State.Closed;
                if (_exchange is { } open) await AbandonExchangeAsync(open).ConfigureAwait(false);
                Connection.Close(ConnectionCloseType.FlushWrite);
            }
            // Complete lines were consumed as they were parsed; a partial line stays buffered for the next
            // call. After the connection is done, whatever else the client sent is discarded.
            if (_state == State.Closed) data.ConsumeAll();
            return FilterStatus.StopIteration;
        }
        finally
        {
            _gate?.Release();
        }
    }

    private bool ParseRequestLine(NetworkData data)
    {
        var reader = new SequenceReader<byte>(data.Buffer);
        var builder = new MessageHeadBuilder(_request);
        if (reader.End) return false;
        if (_streamStart == 0) BeginStream();
        _request.Reset();
        var done = _parser.ParseRequestLine(ref reader, ref builder);
        data.Consume(reader.Consumed);
        if (!done) return false;
        _state = State.Headers;
        return true;
    }

    private bool ParseHeaders(NetworkData data)
    {
        var reader = new SequenceReader<byte>(data.Buffer);
        var builder = new MessageHeadBuilder(_request);
        var done = _parser.ParseHeaders(ref reader, ref builder);
        data.Consume(reader.Consumed);
        if (!done) return false;

        if (!HasOneHost(_request)) Http1ParseException.Throw(Http1RejectReason.InvalidHost);
        var framing = Http1Framing.ForRequest(in _request.Framing, _request.Version);
        if (framing.Kind == Http1BodyKind.Reject) Http1ParseException.Throw(framing.RejectReason);
        provider.Stats.RequestsTotal.Increment();
        provider.Stats.RequestsActive.Increment();
        _exchange = NextExchange(framing);
        NoteOriginalClient(_exchange);
        if (!provider.Filters.IsEmpty) _exchange.Filters = BeginFilters(_exchange);
        _requestChunks.Reset();
        _state = State.Body;
        return true;
    }

    /// <summary>The connection's exchange object, reset for a new request (created on first use).</summary>
    private Exchange NextExchange(Http1BodyFraming framing)
    {
        _reusableExchange ??= new Exchange(new HttpStreamInfo(Connection.RemoteEndPoint, Connection.LocalEndPoint, _request, null));
        return _reusableExchange.Reset(framing);
    }

    /// <summary>The client the access log reports: the connection's peer, or who x-forwarded-for says (see <see cref="ForwardedFor"/>).</summary>
    private void NoteOriginalClient(Exchange exchange)
    {
        if (provider.UseRemoteAddress && provider.XffNumTrustedHops == 0) return;
        if (ForwardedFor.FindClient(_request, provider.XffNumTrustedHops, provider.UseRemoteAddress) is { } client)
        {
            exchange.Info.DownstreamRemoteAddress = new System.Net.IPEndPoint(client, 0);
        }
    }

    /// <summary>HTTP/1.1 requires exactly one Host field; HTTP/1.0 allows none (but not two).</summary>
    private static bool HasOneHost(MessageHead request)
    {
        var count = 0;
        for (var i = 0; i < request.FieldCount; i++)
        {
            if (request.Field(i).Known == KnownHeader.Host) count++;
        }
        return count == 1 || (count == 0 && request.Version == Http1Version.Http10);
    }

    /// <summary>Called by the exchange when its response is complete: back to reading the next request.</summary>
    private void EndExchange(Exchange exchange, bool keepAlive)
    {
        provider.Stats.RequestsActive.Decrement();
        provider.Stats.CountResponse(exchange.Info.ResponseCode);
        ReportUpstreamOutcome(exchange);
        exchange.Info.MarkEnded();
        provider.Stats.RequestTime.Record(exchange.Info.Duration.TotalMilliseconds);
        if (provider.AccessLog.IsEnabled) provider.AccessLog.Log(exchange.Info);
        exchange.Filters?.End();
        exchange.ReleaseClusterPlaces();
        exchange.Retry?.End();
        exchange.KeptBody?.End();
        // Shadows whose body never completed are not sent.
        exchange.PendingShadows?.Clear();
        _exchange = null;
        EndStream();
        // max_connection_duration may have passed after the response head said keep-alive: close anyway.
        if (keepAlive && !_drainAfterExchange)
        {
            _state = State.RequestLine;
        }
        else
        {
            _state = State.Closed;
            Connection.Close(ConnectionCloseType.FlushWrite);
        }
    }

    private void OnClosed()
    {
        provider.Stats.ConnectionsActive.Decrement();
        StopTimeouts();
        if (_state == State.Tunnel && _exchange is { } tunnel)
        {
            _ = FinishTunnelAsync(tunnel);
            return;
        }
        if (_exchange is { } exchange)
        {
            // The client went away mid-exchange: reset the upstream side rather than reuse it.
            exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            exchange.Filters?.Abort();
            exchange.Upstream?.Abort();
            if (exchange.Http2Upstream is { } stream) _ = stream.CancelAsync().AsTask();
            // The data path may never end this exchange now; the cluster's places must not leak. (Its
            // replay buffer stays: the data path may still be using it.)
            exchange.ReleaseClusterPlaces();
        }
        _request.Dispose();
        _filterChain?.Release();
    }
}
