using System.Buffers;
using System.Runtime.CompilerServices;
using Junction.AccessLog;
using Junction.Http.ConnectionManager.Filters;
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
/// <remarks>
/// Filters and retries work as with HTTP/1.1 clusters, with one difference in what is kept for a retry:
/// the body itself (<see cref="KeptRequestBody.Keep"/>), not its HTTP/1.1 framing, since each attempt frames
/// it as DATA. A stream that fails while the body is still going up is not retried (it is on HTTP/1.1
/// clusters only when the connection fails before the response).
/// </remarks>
internal sealed partial class Http1ServerConnection
{
    private HttpBody? _http2Piece;
    private MessageHead? _http2RequestTrailers;

    /// <summary>A stream on the host's HTTP/2 pool, its head sent; the body follows. False when the exchange was answered.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> BeginHttp2StreamAsync(Exchange exchange, Http2ClientStream stream, IUpstreamHost host)
    {
        exchange.Http2Upstream = stream;
        exchange.Host = host;
        exchange.Info.UpstreamLocalAddress = stream.LocalEndPoint;
        exchange.UpstreamStats!.RequestsTotal.Increment();
        exchange.UpstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
        if (_request.ExpectsContinue && hasBody) await SendContinueAsync(exchange).ConfigureAwait(false);
        try
        {
            await stream.SendHeadersAsync(_request, exchange.Route, provider, Connection.RemoteEndPoint, endStream: !hasBody).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return false;
        }
        exchange.BodyRemaining = exchange.RequestFraming.Kind == Http1BodyKind.ContentLength ? exchange.RequestFraming.ContentLength : 0;
        _http2RequestTrailers ??= new MessageHead();
        _http2RequestTrailers.Reset();
        if (exchange.Route.Mirrors is not null) MirrorRequest(exchange);
        return true;
    }

    /// <summary>Sends the request body bytes available now as DATA; once the body is complete, relays the response.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ForwardBodyToHttp2Async(Exchange exchange, NetworkData data, bool endOfStream)
    {
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
        var trailers = complete && exchange.RequestFraming.Kind == Http1BodyKind.Chunked ? Http2RequestTrailers(exchange) : null;
        // A request without a body ended its stream with its head.
        var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
        if (hasBody && !await SendBodyToHttp2Async(exchange, piece, complete, trailers).ConfigureAwait(false)) return;
        MarkActivity();
        if (complete)
        {
            CompleteRequest(exchange);
            await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
        }
        else if (endOfStream)
        {
            exchange.BodyUnread = true;
        }
    }

    /// <summary>
    /// Body bytes (and, ending the body, trailers) to the upstream stream, kept for a retry while one is
    /// possible. False when the exchange ended (answered, or the response relayed early).
    /// </summary>
    private async ValueTask<bool> SendBodyToHttp2Async(Exchange exchange, HttpBody piece, bool complete, MessageHead? trailers)
    {
        var stream = exchange.Http2Upstream!;
        if (exchange.KeptBody is { Keeping: true } kept && kept.Keep(new ReadOnlySequence<byte>(piece.Memory))) exchange.UpstreamStats!.RetryAbandoned.Increment();
        try
        {
            if (piece.Length > 0 || (complete && trailers is null))
            {
                await stream.SendDataAsync(new ReadOnlySequence<byte>(piece.Memory), complete && trailers is null, _exchangeCancel.Token).ConfigureAwait(false);
            }
            if (trailers is not null) await stream.SendTrailersAsync(trailers).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (_exchangeCancel.IsCancellationRequested)
        {
            await stream.CancelAsync().ConfigureAwait(false);
            exchange.Http2Upstream = null;
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
            return false;
        }
        catch (Http2StreamResetException reset) when (reset.Code == Junction.Http.Http2.Http2ErrorCode.NoError)
        {
            // The upstream answered already and wants no more of the body (RFC 9113 §8.1): relay its
            // answer; the rest of the client's body is not read, so the connection closes after it.
            exchange.BodyUnread = true;
            exchange.RequestComplete = true;
            await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>The request trailers to send an HTTP/2 upstream (those the filters saw, when there are filters).</summary>
    private MessageHead? Http2RequestTrailers(Exchange exchange)
    {
        var trailers = exchange.Filters is null ? _http2RequestTrailers : _requestTrailers;
        return trailers is { FieldCount: > 0 } ? trailers : null;
    }

    /// <summary>Waits for the response of each attempt in turn (retrying as the policy says) and relays the last.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask RelayHttp2ResponseAsync(Exchange exchange)
    {
        if (ExchangeDeadline.Remaining(exchange.Route, _request, exchange.Info.StartTimestamp) is { } timeout) _exchangeCancel.CancelAfter(timeout);
        try
        {
            while (!await RelayHttp2AttemptAsync(exchange).ConfigureAwait(false))
            {
                if (!await ResendAsync(exchange).ConfigureAwait(false)) return;
                // A fallback cluster may speak HTTP/1.1.
                if (exchange.Http2Upstream is null)
                {
                    if (exchange.Filters is null) await RelayResponseAsync(exchange).ConfigureAwait(false);
                    else await RelayFilteredResponseAsync(exchange).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            _exchangeCancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>One attempt's response to the client (through the encoders when there are filters); false when it was dropped for a retry.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> RelayHttp2AttemptAsync(Exchange exchange)
    {
        var stream = exchange.Http2Upstream!;
        var token = _exchangeCancel.Token;
        try
        {
            var (headRead, perTryExpired) = await ReadHttp2AttemptHeadAsync(exchange, stream, token).ConfigureAwait(false);
            if (!headRead) return !await RetryFailedAttemptAsync(exchange, perTryExpired).ConfigureAwait(false);
            var head = stream.Response;
            exchange.Info.Response = head;
            exchange.UpstreamStats?.CountResponse(head.StatusCode);
            if (await RetryAnsweredAttemptAsync(exchange, head).ConfigureAwait(false)) return false;
            exchange.Info.SetResponseCode(head.StatusCode);
            var noBody = stream.EndedWithHead || _request.Method == Http1Method.Head || head.StatusCode is 204 or 304;
            var hasLength = head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None;
            var framing = noBody ? Http1BodyFraming.None
                : hasLength ? Http1BodyFraming.OfLength(head.Framing.ContentLength)
                : Http1BodyFraming.Chunked;
            if (exchange.Filters is { } chain) await EncodeHttp2ResponseAsync(exchange, chain, stream, framing, token).ConfigureAwait(false);
            else await RelayHttp2ToClientAsync(exchange, stream, framing, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !Connection.Closed.IsCancellationRequested)
        {
            await stream.CancelAsync().ConfigureAwait(false);
            exchange.Http2Upstream = null;
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Waits for the attempt's response head, within the route's per_try_timeout when it has one. HeadRead
    /// is false when the upstream reset the stream first or the per-try timeout passed (PerTryExpired).
    /// </summary>
    private async ValueTask<(bool HeadRead, bool PerTryExpired)> ReadHttp2AttemptHeadAsync(Exchange exchange, Http2ClientStream stream, CancellationToken token)
    {
        CancellationTokenSource? perTry = null;
        if (exchange.Route.Retry?.PerTryTimeout is { } limit)
        {
            perTry = CancellationTokenSource.CreateLinkedTokenSource(token);
            perTry.CancelAfter(limit);
        }
        try
        {
            await stream.ReadResponseHeadAsync(perTry?.Token ?? token).ConfigureAwait(false);
            return (true, false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException)
        {
            return (false, false);
        }
        catch (OperationCanceledException) when (perTry is { IsCancellationRequested: true } && !token.IsCancellationRequested)
        {
            return (false, true);
        }
        finally
        {
            perTry?.Dispose();
        }
    }

    /// <summary>The response as it is, re-framed for the HTTP/1.1 client.</summary>
    private async ValueTask RelayHttp2ToClientAsync(Exchange exchange, Http2ClientStream stream, Http1BodyFraming framing, CancellationToken token)
    {
        var head = stream.Response;
        var clientIs10 = _request.Version == Http1Version.Http10;
        var noBody = framing.Kind == Http1BodyKind.None;
        var keepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange && !(clientIs10 && framing.Kind == Http1BodyKind.Chunked);
        var rechunk = !clientIs10 && framing.Kind == Http1BodyKind.Chunked;
        WriteResponseHead(head, framing, keepAlive, rechunk, clientIs10, ref exchange.Route);
        exchange.ResponseStarted = true;
        if (!noBody && !await RelayHttp2BodyToClientAsync(stream, rechunk, token).ConfigureAwait(false))
        {
            exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            await stream.CancelAsync().ConfigureAwait(false);
            exchange.Http2Upstream = null;
            EndExchange(exchange, keepAlive: false);
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        if (noBody && (await FlushScratchAsync().ConfigureAwait(false)).ClientGone) keepAlive = false;
        exchange.UpstreamStats?.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(exchange.UpstreamStart).TotalMilliseconds);
        exchange.Http2Upstream = null;
        EndExchange(exchange, keepAlive);
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
            _scratch.WriteBodyPiece(buffer, rechunk);
            var length = (int)buffer.Length;
            body.AdvanceTo(buffer.End);
            if (read.IsCompleted && rechunk)
            {
                _scratch.Write("0\r\n"u8);
                if (stream.Trailers is { } trailers) WriteTrailerFields(_scratch, trailers);
                _scratch.Write("\r\n"u8);
            }
            if ((await FlushScratchAsync().ConfigureAwait(false)).ClientGone) return false;
            if (length > 0) await stream.ConsumedAsync(length).ConfigureAwait(false);
            if (read.IsCompleted) return true;
        }
    }

    /// <summary>The response through the encoders; what passes them is written by the filter sink (<c>.Filters.cs</c>).</summary>
    private async ValueTask EncodeHttp2ResponseAsync(Exchange exchange, HttpFilterChain chain, Http2ClientStream stream, Http1BodyFraming framing, CancellationToken token)
    {
        exchange.ResponseHead = stream.Response;
        exchange.ClientFraming = framing;
        exchange.KeepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange;
        chain.ResponseHeaders.Attach(stream.Response);
        chain.EncodingStarted = true;
        var result = await GuardAsync(exchange, chain.Encoding.HeadersAsync(endOfStream: framing.Kind == Http1BodyKind.None)).ConfigureAwait(false);
        if (result is FilterChainResult.Passed or FilterChainResult.Held && framing.Kind != Http1BodyKind.None)
        {
            result = await EncodeHttp2ResponseBodyAsync(exchange, chain, stream, token).ConfigureAwait(false);
        }
        if (result == FilterChainResult.Ended && _exchange != exchange) return;
        if (result == FilterChainResult.Passed)
        {
            exchange.UpstreamStats?.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(exchange.UpstreamStart).TotalMilliseconds);
            exchange.Http2Upstream = null;
        }
        await AfterEncodeAsync(exchange, result, upstream: null).ConfigureAwait(false);
    }

    /// <summary>The response body from the upstream stream, piece by piece, into the encoders.</summary>
    private async ValueTask<FilterChainResult> EncodeHttp2ResponseBodyAsync(Exchange exchange, HttpFilterChain chain, Http2ClientStream stream, CancellationToken token)
    {
        var body = stream.ResponseBody;
        while (true)
        {
            var read = await body.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var piece = chain.Encoding.Piece;
            piece.Clear();
            piece.Append(buffer);
            var length = (int)buffer.Length;
            body.AdvanceTo(buffer.End);
            if (length > 0) await stream.ConsumedAsync(length).ConfigureAwait(false);
            var trailers = read.IsCompleted && stream.Trailers is { FieldCount: > 0 } t ? t : null;
            if (length > 0 || (read.IsCompleted && trailers is null))
            {
                var result = await GuardAsync(exchange, chain.Encoding.DataAsync(read.IsCompleted && trailers is null)).ConfigureAwait(false);
                if (result is not FilterChainResult.Passed and not FilterChainResult.Held) return result;
            }
            if (trailers is not null)
            {
                _encodedTrailers = trailers;
                chain.ResponseTrailers.Attach(trailers);
                var result = await GuardAsync(exchange, chain.Encoding.TrailersAsync()).ConfigureAwait(false);
                if (result is not FilterChainResult.Passed and not FilterChainResult.Held) return result;
            }
            if (read.IsCompleted) return FilterChainResult.Passed;
        }
    }

    /// <summary>
    /// A retry to an HTTP/2 cluster: a new stream gets the head, the kept body and the trailers. Failure is
    /// set when no stream could be had; Sent is false when the request could not be sent on it (a reset).
    /// </summary>
    private async ValueTask<(bool Sent, UpstreamConnectResult? Failure)> ResendToHttp2Async(Exchange exchange, IUpstreamCluster cluster, IUpstreamHost host, UpstreamHttp2Options options)
    {
        var (stream, result) = await Http2ClientPool.For(cluster, host).AcquireStreamAsync(cluster, host, options, provider.Limits.MaxHeaderBytes, Connection.Closed).ConfigureAwait(false);
        if (stream is null) return (false, result);
        exchange.Http2Upstream = stream;
        exchange.Host = host;
        exchange.Info.UpstreamLocalAddress = stream.LocalEndPoint;
        exchange.UpstreamStats!.RequestsTotal.Increment();
        exchange.UpstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var body = exchange.KeptBody is { } kept ? kept.Bytes.Written : ReadOnlyMemory<byte>.Empty;
        var trailers = Http2RequestTrailers(exchange);
        try
        {
            await stream.SendHeadersAsync(_request, exchange.Route, provider, Connection.RemoteEndPoint, endStream: body.Length == 0 && trailers is null).ConfigureAwait(false);
            if (body.Length > 0) await stream.SendDataAsync(new ReadOnlySequence<byte>(body), endStream: trailers is null, _exchangeCancel.Token).ConfigureAwait(false);
            if (trailers is not null) await stream.SendTrailersAsync(trailers).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            return (false, null);
        }
        MarkActivity();
        return (true, null);
    }
}
