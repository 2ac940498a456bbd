using System.Buffers;
using System.Runtime.CompilerServices;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Http.Upstream.Http2;
using Junction.HttpFilters;
using Junction.Network;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// HTTP/1.1 clients to clusters that speak HTTP/2: the request goes up as a stream on a pooled HTTP/2
/// connection (head as HEADERS, body decoded from its HTTP/1.1 framing into DATA, chunked trailers as
/// trailers), and the response comes back re-framed for HTTP/1.1: with its Content-Length when the
/// upstream gave one, else chunked (1.1 clients, trailers included) or delimited by the close (1.0).
/// </summary>
internal sealed partial class Http1ServerConnection
{
    private HttpBody? _http2Piece;
    private MessageHead? _http2RequestTrailers;

    /// <summary>Opens the upstream stream and sends the head; the body follows through <see cref="ForwardBodyToHttp2Async"/>.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> OpenHttp2UpstreamAsync(Exchange exchange, IUpstreamCluster cluster, IUpstreamHost host, UpstreamHttp2Options options)
    {
        var (stream, result) = await Http2ClientPool.For(cluster, host).AcquireStreamAsync(cluster, host, options, provider.Limits.MaxHeaderBytes, Connection.Closed).ConfigureAwait(false);
        if (stream is null)
        {
            exchange.Info.SetFlag(result.Failure == UpstreamFailure.Overflow ? ResponseFlags.UpstreamOverflow : ResponseFlags.UpstreamConnectionFailure);
            await LocalReplyAsync(exchange, 503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray()).ConfigureAwait(false);
            return false;
        }
        exchange.Http2Upstream = stream;
        exchange.Host = host;
        exchange.UpstreamStats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
        exchange.UpstreamStats.RequestsTotal.Increment();
        exchange.UpstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
        if (_request.ExpectsContinue && hasBody) await SendContinueAsync(exchange).ConfigureAwait(false);
        try
        {
            await stream.SendHeadersAsync(_request, exchange.Route, provider, Connection.RemoteEndPoint, endStream: !hasBody).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await Http2UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return false;
        }
        exchange.BodyRemaining = exchange.RequestFraming.Kind == Http1BodyKind.ContentLength ? exchange.RequestFraming.ContentLength : 0;
        _http2RequestTrailers ??= new MessageHead();
        _http2RequestTrailers.Reset();
        return true;
    }

    /// <summary>Sends the request body bytes available now as DATA; once the body is complete, relays the response.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ForwardBodyToHttp2Async(Exchange exchange, NetworkData data, bool endOfStream)
    {
        var stream = exchange.Http2Upstream!;
        var piece = _http2Piece ??= new HttpBody();
        piece.Clear();
        bool complete;
        switch (exchange.RequestFraming.Kind)
        {
            case Http1BodyKind.ContentLength:
                var take = Math.Min(exchange.BodyRemaining, data.Length);
                piece.Append(data.Buffer.Slice(0, take));
                data.Consume(take);
                exchange.BodyRemaining -= take;
                complete = exchange.BodyRemaining == 0;
                break;
            case Http1BodyKind.Chunked:
                complete = DecodeRequestChunks(data, piece, _http2RequestTrailers!);
                break;
            default:
                complete = true;
                break;
        }
        try
        {
            var trailers = complete && _http2RequestTrailers is { FieldCount: > 0 } t && exchange.RequestFraming.Kind == Http1BodyKind.Chunked ? t : null;
            // A request without a body ended its stream with its head.
            var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
            if (hasBody && (piece.Length > 0 || (complete && trailers is null)))
            {
                await stream.SendDataAsync(new ReadOnlySequence<byte>(piece.Memory), complete && trailers is null, _exchangeCancel.Token).ConfigureAwait(false);
            }
            if (trailers is not null) await stream.SendTrailersAsync(trailers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_exchangeCancel.IsCancellationRequested)
        {
            await stream.CancelAsync().ConfigureAwait(false);
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
            return;
        }
        catch (Http2StreamResetException reset) when (reset.Code == Junction.Http.Http2.Http2ErrorCode.NoError)
        {
            // The upstream answered already and wants no more of the body (RFC 9113 §8.1): relay its
            // answer; the rest of the client's body is not read, so the connection closes after it.
            exchange.BodyUnread = true;
            exchange.RequestComplete = true;
            await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await Http2UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return;
        }
        MarkActivity();
        if (complete)
        {
            exchange.RequestComplete = true;
            await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
        }
        else if (endOfStream)
        {
            exchange.BodyUnread = true;
        }
    }

    /// <summary>Waits for the upstream's response head and relays head, body and trailers to the HTTP/1.1 client.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask RelayHttp2ResponseAsync(Exchange exchange)
    {
        var stream = exchange.Http2Upstream!;
        if (ExchangeDeadline.Remaining(exchange.Route, _request, exchange.Info.StartTimestamp) is { } timeout) _exchangeCancel.CancelAfter(timeout);
        var token = _exchangeCancel.Token;
        try
        {
            await stream.ReadResponseHeadAsync(token).ConfigureAwait(false);
            var head = stream.Response;
            exchange.Info.Response = head;
            exchange.Info.SetResponseCode(head.StatusCode);
            exchange.UpstreamStats?.CountResponse(head.StatusCode);
            var clientIs10 = _request.Version == Http1Version.Http10;
            var noBody = stream.EndedWithHead || _request.Method == Http1Method.Head || head.StatusCode is 204 or 304;
            var hasLength = head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None;
            var framing = noBody ? Http1BodyFraming.None
                : hasLength ? Http1BodyFraming.OfLength(head.Framing.ContentLength)
                : Http1BodyFraming.Chunked;
            var keepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange && !(clientIs10 && framing.Kind == Http1BodyKind.Chunked);
            var rechunk = !clientIs10 && framing.Kind == Http1BodyKind.Chunked;
            WriteResponseHead(head, framing, keepAlive, rechunk, clientIs10, ref exchange.Route);
            exchange.ResponseStarted = true;
            if (!noBody && !await RelayHttp2BodyToClientAsync(stream, rechunk, token).ConfigureAwait(false))
            {
                exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                await stream.CancelAsync().ConfigureAwait(false);
                EndExchange(exchange, keepAlive: false);
                Connection.Close(ConnectionCloseType.AbortReset);
                return;
            }
            if (noBody && (await FlushScratchAsync().ConfigureAwait(false)).ClientGone) keepAlive = false;
            exchange.UpstreamStats?.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(exchange.UpstreamStart).TotalMilliseconds);
            exchange.Http2Upstream = null;
            EndExchange(exchange, keepAlive);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !Connection.Closed.IsCancellationRequested)
        {
            await stream.CancelAsync().ConfigureAwait(false);
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await Http2UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
        finally
        {
            _exchangeCancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>DATA to the client, re-chunked (trailers too) or as they are; false when the client went away or the stream broke.</summary>
    private async ValueTask<bool> RelayHttp2BodyToClientAsync(Http2ClientStream stream, bool rechunk, CancellationToken token)
    {
        var body = stream.ResponseBody;
        while (true)
        {
            var read = await body.ReadAsync(token).ConfigureAwait(false);
            var buffer = read.Buffer;
            MarkActivity();
            if (!buffer.IsEmpty)
            {
                if (rechunk)
                {
                    _scratch.WriteHex(buffer.Length);
                    _scratch.Write("\r\n"u8);
                }
                foreach (var segment in buffer) _scratch.Write(segment.Span);
                if (rechunk) _scratch.Write("\r\n"u8);
            }
            var length = (int)buffer.Length;
            body.AdvanceTo(buffer.End);
            if (read.IsCompleted && rechunk)
            {
                _scratch.Write("0\r\n"u8);
                if (stream.Trailers is { } trailers)
                {
                    for (var i = 0; i < trailers.FieldCount; i++)
                    {
                        ref var field = ref trailers.Field(i);
                        if (!field.Dropped && !MessageHead.IsProxyOwned(field.Known)) _scratch.WriteField(trailers.Name(i), trailers.Value(i));
                    }
                }
                _scratch.Write("\r\n"u8);
            }
            if ((await FlushScratchAsync().ConfigureAwait(false)).ClientGone) return false;
            if (length > 0) await stream.ConsumedAsync(length).ConfigureAwait(false);
            if (read.IsCompleted) return true;
        }
    }

    /// <summary>The upstream stream failed: Envoy's local reply before the response started, a reset after.</summary>
    private async ValueTask Http2UpstreamFailedAsync(Exchange exchange, ResponseFlags flag)
    {
        if (exchange.Http2Upstream is { } stream) await stream.CancelAsync().ConfigureAwait(false);
        exchange.Http2Upstream = null;
        await UpstreamFailedAsync(exchange, flag).ConfigureAwait(false);
    }
}
