using System.Buffers;
using Junction.Http.Http1;
using Junction.Network;
using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>
/// The admin server of one connection: a small, strict HTTP/1.1 server as a terminal read filter.
/// Requests are parsed with <see cref="Http1Parser"/> as bytes arrive, answered in order (pipelined
/// requests included) with complete responses, and the connection is kept open as HTTP/1.1 and 1.0
/// say. Any malformed request is answered with its status (400, 414, 431, 501, 505) and the
/// connection is closed, since nothing after it can be framed reliably.
/// </summary>
/// <remarks>
/// Bodies are read and discarded (admin takes its parameters from the query), up to
/// <see cref="MaxBodyBytes"/>, with Content-Length or chunked framing; a larger body is refused with
/// 413 before it is read. A filter instance is called by one connection's read loop only; the server
/// may ask it from another thread to close when idle (<see cref="CloseIfIdle"/>).
/// </remarks>
internal sealed class AdminFilter(AdminServer server, ILogger logger) : INetworkReadFilter
{
    /// <summary>Largest request body accepted (and discarded).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private readonly Http1Parser _parser = new(Http1ParserLimits.Default);
    private readonly Http1ChunkedDecoder _chunked = new(Http1ParserLimits.Default);
    private IReadFilterCallbacks _callbacks = null!;
    private AdminRequestHead _head;
    private Phase _phase;
    private long _bodyRemaining;
    private long _bodyBytes;
    // True while no request is in progress and no byte of the next one has arrived.
    private volatile bool _idle = true;

    private enum Phase : byte
    {
        RequestLine,
        Headers,
        Body,
        ChunkedBody,
        Closed,
    }

    private enum StepKind : byte
    {
        NeedMoreData,
        ExpectContinue,
        RequestComplete,
        Reject,
    }

    private INetworkConnection Connection => _callbacks.Connection;

    public void Initialize(IReadFilterCallbacks callbacks)
    {
        _callbacks = callbacks;
        server.Track(this);
        callbacks.Connection.Closed.Register(static state => ((AdminFilter)state!).Untrack(), this);
    }

    public ValueTask<FilterStatus> OnNewConnectionAsync() => ValueTask.FromResult(FilterStatus.Continue);

    public async ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        while (_phase != Phase.Closed && !data.IsEmpty)
        {
            _idle = false;
            var step = Parse(data);
            if (step.Kind == StepKind.NeedMoreData) break;
            switch (step.Kind)
            {
                case StepKind.ExpectContinue:
                    if (!await SendAsync(AdminResponseWriter.Continue.ToArray()).ConfigureAwait(false)) CloseConnection();
                    break;
                case StepKind.Reject:
                    await RejectAsync(step.Status, step.Message!).ConfigureAwait(false);
                    break;
                default:
                    await RespondAsync(_head).ConfigureAwait(false);
                    break;
            }
        }

        if (_phase == Phase.Closed)
        {
            data.ConsumeAll();
        }
        else if (endOfStream)
        {
            // The client has half-closed: no further request can arrive (and a partial one never ends).
            CloseConnection();
        }
        else if (_phase == Phase.RequestLine && data.IsEmpty)
        {
            _idle = true;
            if (server.IsStopping) CloseConnection();
        }
        return FilterStatus.StopIteration;
    }

    /// <summary>Closes the connection now if it is between requests; otherwise it closes after its current response.</summary>
    public void CloseIfIdle()
    {
        if (_idle) Connection.Close(ConnectionCloseType.FlushWrite);
    }

    private void Untrack() => server.Untrack(this);

    private Step Parse(NetworkData data)
    {
        var reader = new SequenceReader<byte>(data.Buffer);
        try
        {
            return ParseStep(ref reader);
        }
        catch (Http1ParseException ex)
        {
            return Step.Rejected(ex.Reason.ToStatusCode(), $"malformed request: {ex.Reason}");
        }
        finally
        {
            data.Consume(reader.Consumed);
        }
    }

    private Step ParseStep(ref SequenceReader<byte> reader)
    {
        while (true)
        {
            switch (_phase)
            {
                case Phase.RequestLine:
                    _head = default;
                    if (!_parser.ParseRequestLine(ref reader, ref _head)) return default;
                    _phase = Phase.Headers;
                    break;

                case Phase.Headers:
                    if (!_parser.ParseHeaders(ref reader, ref _head)) return default;
                    var framed = OnHeadersComplete();
                    if (framed.Kind == StepKind.Reject || framed.Kind == StepKind.RequestComplete) return framed;
                    // A body follows: ask for it if the client waits for that and has sent none yet.
                    if (_head.ExpectContinue && reader.End) return new Step(StepKind.ExpectContinue);
                    break;

                case Phase.Body:
                    var take = Math.Min(reader.Remaining, _bodyRemaining);
                    reader.Advance(take);
                    _bodyRemaining -= take;
                    if (_bodyRemaining > 0) return default;
                    _phase = Phase.RequestLine;
                    return new Step(StepKind.RequestComplete);

                case Phase.ChunkedBody:
                    var trailers = default(DiscardingHeadersHandler);
                    switch (_chunked.Decode(ref reader, ref trailers, out var chunk))
                    {
                        case Http1ChunkedResult.Data:
                            _bodyBytes += chunk.Length;
                            if (_bodyBytes > MaxBodyBytes) return Step.Rejected(413, $"request body larger than {MaxBodyBytes} bytes");
                            break;
                        case Http1ChunkedResult.Complete:
                            _phase = Phase.RequestLine;
                            return new Step(StepKind.RequestComplete);
                        default:
                            return default;
                    }
                    break;

                default:
                    return default;
            }
        }
    }

    /// <summary>Checks the header section and decides how the body (if any) is read.</summary>
    private Step OnHeadersComplete()
    {
        // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host, or any request with several, is 400.
        if (_head.HostCount > 1 || (_head.Version == Http1Version.Http11 && _head.HostCount == 0))
        {
            return Step.Rejected(400, "a request needs exactly one Host header field");
        }
        if (_head.UnsupportedExpectation) return Step.Rejected(417, "only Expect: 100-continue is supported");

        var framing = Http1Framing.ForRequest(_head.Framing, _head.Version);
        switch (framing.Kind)
        {
            case Http1BodyKind.Reject:
                return Step.Rejected(framing.RejectReason.ToStatusCode(), $"malformed request: {framing.RejectReason}");
            case Http1BodyKind.ContentLength when framing.ContentLength > MaxBodyBytes:
                return Step.Rejected(413, $"request body larger than {MaxBodyBytes} bytes");
            case Http1BodyKind.ContentLength when framing.ContentLength > 0:
                _bodyRemaining = framing.ContentLength;
                _phase = Phase.Body;
                return default;
            case Http1BodyKind.Chunked:
                _chunked.Reset();
                _bodyBytes = 0;
                _phase = Phase.ChunkedBody;
                return default;
            default:
                _phase = Phase.RequestLine;
                return new Step(StepKind.RequestComplete);
        }
    }

    private async ValueTask RespondAsync(AdminRequestHead head)
    {
        var request = AdminRequest.Parse(head.Method, head.MethodName, head.Target);
        if (request is null)
        {
            await RejectAsync(400, "the request target must be a path such as /stats").ConfigureAwait(false);
            return;
        }

        AdminResponse response;
        try
        {
            response = server.Router.Dispatch(request);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "admin: {Method} {Target} failed", head.MethodName, head.Target);
            response = AdminResponse.Text(500, "internal error: " + ex.Message + "\n");
        }

        var keepAlive = head.KeepAlive && !server.IsStopping;
        var connection = !keepAlive ? "close" : head.Version == Http1Version.Http10 ? "keep-alive" : null;
        var sent = await SendAsync(AdminResponseWriter.Serialize(response, head.Method == Http1Method.Head, connection)).ConfigureAwait(false);
        logger.LogDebug("admin: {Method} {Target} -> {Status}", head.MethodName, head.Target, response.Status);
        response.OnSent?.Invoke();
        if (!keepAlive || !sent) CloseConnection();
    }

    private async ValueTask RejectAsync(int status, string message)
    {
        logger.LogDebug("admin: connection {Id}: {Status} {Message}; closing", Connection.Id, status, message);
        var response = AdminResponse.Text(status, message + "\n");
        await SendAsync(AdminResponseWriter.Serialize(response, headRequest: false, "close")).ConfigureAwait(false);
        CloseConnection();
    }

    private ValueTask<bool> SendAsync(byte[] bytes) => Connection.WriteAsync(new ReadOnlySequence<byte>(bytes), endOfStream: false);

    private void CloseConnection()
    {
        _phase = Phase.Closed;
        Connection.Close(ConnectionCloseType.FlushWrite);
    }

    private readonly record struct Step(StepKind Kind, int Status = 0, string? Message = null)
    {
        public static Step Rejected(int status, string message) => new(StepKind.Reject, status, message);
    }

    /// <summary>Chunked trailers are parsed (and checked) but not used.</summary>
    private readonly struct DiscardingHeadersHandler : IHttp1HeadersHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }

        public void OnHeadersComplete()
        {
        }
    }
}
