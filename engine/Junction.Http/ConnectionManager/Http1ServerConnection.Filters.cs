using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Junction.AccessLog;
using Junction.Http.ConnectionManager.Filters;
using Junction.Http.Http1;
using Junction.HttpFilters;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The exchange when the connection manager has HTTP filters: the request goes through the decoder
/// filters before it is routed and forwarded, the response through the encoder filters before it is
/// written. Body bytes are copied into a buffer the filters may change; without filters none of this
/// runs and requests take the direct path in <c>.Request.cs</c> and <c>.Response.cs</c>.
/// </summary>
/// <remarks>
/// This class is the chain's sink (<see cref="IHttpFilterChainSink"/>): what passes the last decoder is
/// forwarded upstream, what passes the last encoder is written to the client. Framing follows what the
/// filters did: a body they buffered whole goes out with its (possibly new) length; a body they let
/// stream keeps the framing it came with, and a filter that changes the length of a streamed
/// Content-Length body fails the stream rather than send a message whose framing lies.
/// </remarks>
internal sealed partial class Http1ServerConnection : IHttpFilterChainSink
{
    private HttpFilterChain? _filterChain;
    private MessageHead? _requestTrailers;
    private MessageHead? _responseTrailers;
    // The response trailers the encoders passed on (from an HTTP/1.1 or an HTTP/2 upstream).
    private MessageHead? _encodedTrailers;
    private MessageHead? _localHead;

    /// <summary>The connection's chain (created on first use), reset for a new stream.</summary>
    private HttpFilterChain BeginFilters(Exchange exchange)
    {
        _filterChain ??= new HttpFilterChain(provider.Filters, this);
        _requestTrailers ??= new MessageHead();
        _requestTrailers.Reset();
        _filterChain.RequestTrailers.Attach(_requestTrailers);
        _filterChain.Begin(exchange.Info, _request, _exchangeCancel.Token);
        return _filterChain;
    }

    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask StartFilteredExchangeAsync(Exchange exchange, NetworkData data, bool endOfStream)
    {
        var chain = exchange.Filters!;
        var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
        exchange.BodyRemaining = exchange.RequestFraming.Kind == Http1BodyKind.ContentLength ? exchange.RequestFraming.ContentLength : 0;
        var result = await GuardAsync(exchange, chain.Decoding.HeadersAsync(endOfStream: !hasBody)).ConfigureAwait(false);
        if (!await AfterDecodeAsync(exchange, result).ConfigureAwait(false)) return;
        // A filter holds the headers and wants the body: a client waiting for 100 Continue must be told to send it.
        if (result == FilterChainResult.Held && _request.ExpectsContinue) await SendContinueAsync(exchange).ConfigureAwait(false);
        if (hasBody) await DecodeFilteredBodyAsync(exchange, data, endOfStream).ConfigureAwait(false);
        else await RelayFilteredResponseIfReadyAsync(exchange).ConfigureAwait(false);
    }

    /// <summary>Runs the request body bytes available now through the decoders.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask DecodeFilteredBodyAsync(Exchange exchange, NetworkData data, bool endOfStream)
    {
        var chain = exchange.Filters!;
        var piece = chain.Decoding.Piece;
        piece.Clear();
        bool complete;
        if (exchange.RequestFraming.Kind == Http1BodyKind.ContentLength)
        {
            var take = Math.Min(exchange.BodyRemaining, data.Length);
            piece.Append(data.Buffer.Slice(0, take));
            data.Consume(take);
            exchange.BodyRemaining -= take;
            complete = exchange.BodyRemaining == 0;
        }
        else
        {
            complete = DecodeRequestChunks(data, piece, _requestTrailers!);
        }

        var hasTrailers = complete && _requestTrailers!.FieldCount > 0;
        if (piece.Length > 0 || (complete && !hasTrailers))
        {
            var result = await GuardAsync(exchange, chain.Decoding.DataAsync(complete && !hasTrailers)).ConfigureAwait(false);
            if (!await AfterDecodeAsync(exchange, result).ConfigureAwait(false)) return;
        }
        if (hasTrailers)
        {
            var result = await GuardAsync(exchange, chain.Decoding.TrailersAsync()).ConfigureAwait(false);
            if (!await AfterDecodeAsync(exchange, result).ConfigureAwait(false)) return;
        }
        if (complete)
        {
            await RelayFilteredResponseIfReadyAsync(exchange).ConfigureAwait(false);
        }
        else if (endOfStream)
        {
            // The client ended inside its body: nothing can complete the request.
            exchange.BodyUnread = true;
        }
    }

    private bool DecodeRequestChunks(NetworkData data, HttpBody piece, MessageHead trailers)
    {
        var reader = new SequenceReader<byte>(data.Buffer);
        var collector = new TrailerCollector(trailers);
        bool complete;
        while (true)
        {
            var result = _requestChunks.Decode(ref reader, ref collector, out var chunk);
            if (result == Http1ChunkedResult.Data)
            {
                piece.Append(chunk);
                continue;
            }
            complete = result == Http1ChunkedResult.Complete;
            break;
        }
        data.Consume(reader.Consumed);
        return complete;
    }

    /// <summary>After the request completed through the filters, the response comes back through them.</summary>
    private async ValueTask RelayFilteredResponseIfReadyAsync(Exchange exchange)
    {
        if (_exchange != exchange || !exchange.RequestComplete) return;
        if (exchange.Http2Upstream is not null) await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
        else if (exchange.Upstream is not null) await RelayFilteredResponseAsync(exchange).ConfigureAwait(false);
    }

    /// <summary>
    /// Acts on how far the request got: a local reply a filter asked for, a body too big to buffer (413),
    /// or the stream ended already. True when the exchange goes on.
    /// </summary>
    private async ValueTask<bool> AfterDecodeAsync(Exchange exchange, FilterChainResult result)
    {
        switch (result)
        {
            case FilterChainResult.Passed or FilterChainResult.Held:
                return true;
            case FilterChainResult.LocalReply:
                await FilterLocalReplyAsync(exchange).ConfigureAwait(false);
                return false;
            case FilterChainResult.Overflow:
                provider.Stats.RequestTooLarge.Increment();
                exchange.Info.TerminationDetails = "request_payload_too_large";
                await AbandonUpstreamAsync(exchange).ConfigureAwait(false);
                await LocalReplyAsync(exchange, 413, "Payload Too Large"u8.ToArray()).ConfigureAwait(false);
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// Awaits a step of the chain and turns what can go wrong inside it into an answer: a timeout or a
    /// closed client while a filter held the stream, or a filter that threw.
    /// </summary>
    private async ValueTask<FilterChainResult> GuardAsync(Exchange exchange, ValueTask<FilterChainResult> step)
    {
        try
        {
            return await step.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Connection.Closed.IsCancellationRequested || _state == State.Closed)
        {
            return FilterChainResult.Ended;
        }
        catch (OperationCanceledException) when (_exchangeCancel.IsCancellationRequested)
        {
            exchange.Filters?.Abort();
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
            return FilterChainResult.Ended;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _exchange == exchange)
        {
            // A filter bug must not take the connection manager down: the stream fails, others go on.
            provider.Stats.FilterErrors.Increment();
            exchange.Info.TerminationDetails = "filter_error:" + ex.GetType().Name;
            exchange.Filters?.Abort();
            await AbandonUpstreamAsync(exchange).ConfigureAwait(false);
            if (exchange.ResponseStarted)
            {
                EndExchange(exchange, keepAlive: false);
                Connection.Close(ConnectionCloseType.AbortReset);
            }
            else
            {
                exchange.BodyUnread = exchange.BodyUnread || !exchange.RequestComplete;
                await LocalReplyAsync(exchange, 500, "filter error"u8.ToArray(), skipFilters: true).ConfigureAwait(false);
            }
            return FilterChainResult.Ended;
        }
    }

    private async ValueTask AbandonUpstreamAsync(Exchange exchange)
    {
        if (exchange.Http2Upstream is { } stream)
        {
            exchange.Http2Upstream = null;
            await stream.CancelAsync().ConfigureAwait(false);
        }
        if (exchange.Upstream is not { } upstream) return;
        upstream.Abort();
        await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
        exchange.Upstream = null;
    }

    /// <summary>A filter asked to answer the request itself.</summary>
    private async ValueTask FilterLocalReplyAsync(Exchange exchange)
    {
        var chain = exchange.Filters!;
        if (chain.LocalReplyDetails is { } details) exchange.Info.TerminationDetails = details;
        await AbandonUpstreamAsync(exchange).ConfigureAwait(false);
        if (exchange.ResponseStarted)
        {
            // Too late to answer: part of a response went out already.
            EndExchange(exchange, keepAlive: false);
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        var body = chain.LocalReplyBody is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;
        var status = chain.LocalReplyStatus;
        var skipFilters = chain.EncodingStarted;
        chain.TakeLocalReply();
        // One asked for while the encoders ran skips them: running them again could ask again.
        await LocalReplyAsync(exchange, status, body, skipFilters: skipFilters).ConfigureAwait(false);
    }

    /// <summary>A local reply through the encoder filters: they see it like any response.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask FilteredLocalReplyAsync(Exchange exchange, int status, ReadOnlyMemory<byte>? body, string? location)
    {
        var chain = exchange.Filters!;
        provider.Stats.LocalReplies.Increment();
        if (exchange.RequestFraming.Kind != Http1BodyKind.None && !exchange.RequestComplete) exchange.BodyUnread = true;
        var head = _localHead ??= new MessageHead();
        head.Reset();
        head.SetStatusLine(Http1Version.Http11, status, ReasonPhrases.For(status));
        var bodyLength = body?.Length ?? 0;
        if (bodyLength > 0) head.AddField("content-type"u8, "text/plain"u8);
        if (location is not null) head.AddField("location"u8, System.Text.Encoding.ASCII.GetBytes(location));
        exchange.Info.SetResponseCode(status);
        exchange.ResponseHead = head;
        exchange.ClientFraming = Http1BodyFraming.OfLength(bodyLength);
        exchange.KeepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange;
        chain.ResponseHeaders.Attach(head);
        chain.EncodingStarted = true;

        var isHead = _request.Method == Http1Method.Head;
        var result = await GuardAsync(exchange, chain.Encoding.HeadersAsync(endOfStream: bodyLength == 0 || isHead)).ConfigureAwait(false);
        if (result is FilterChainResult.Passed or FilterChainResult.Held && bodyLength > 0 && !isHead)
        {
            chain.Encoding.Piece.Replace(body!.Value.Span);
            result = await GuardAsync(exchange, chain.Encoding.DataAsync(endOfStream: true)).ConfigureAwait(false);
        }
        await AfterEncodeAsync(exchange, result, upstream: null).ConfigureAwait(false);
    }

    /// <summary>Reads the upstream's response and runs it through the encoders.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask RelayFilteredResponseAsync(Exchange exchange)
    {
        ArmRouteTimeout(exchange);
        try
        {
            // A retried attempt never reaches the encoders: they see only the response the client gets.
            while (!await RelayFilteredAttemptAsync(exchange).ConfigureAwait(false))
            {
                if (!await ResendAsync(exchange).ConfigureAwait(false)) return;
                // A fallback cluster may speak HTTP/2.
                if (exchange.Http2Upstream is not null)
                {
                    await RelayHttp2ResponseAsync(exchange).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            _exchangeCancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>One attempt's response through the encoders; false when the attempt was dropped for a retry.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> RelayFilteredAttemptAsync(Exchange exchange)
    {
        var upstream = exchange.Upstream!;
        var chain = exchange.Filters!;
        var head = upstream.Response;
        upstream.Requests++;
        exchange.Info.Response = head;
        var token = _exchangeCancel.Token;
        try
        {
            var (headRead, perTryExpired) = await ReadAttemptHeadAsync(exchange, upstream, token).ConfigureAwait(false);
            if (!headRead)
            {
                if (!perTryExpired && await TryResendOnFreshConnectionAsync(exchange).ConfigureAwait(false)) return true;
                return !await RetryFailedAttemptAsync(exchange, perTryExpired).ConfigureAwait(false);
            }
            if (exchange.IsUpgrade && head.StatusCode == 101)
            {
                await BeginTunnelAsync(exchange, head).ConfigureAwait(false);
                return true;
            }
            var framing = Http1Framing.ForResponse(in head.Framing, head.Version, head.StatusCode, _request.Method);
            if (framing.Kind is Http1BodyKind.Reject or Http1BodyKind.Tunnel)
            {
                await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
                return true;
            }
            exchange.UpstreamStats?.CountResponse(head.StatusCode);
            if (await RetryAnsweredAttemptAsync(exchange, head).ConfigureAwait(false)) return false;
            exchange.Info.SetResponseCode(head.StatusCode);
            exchange.ResponseHead = head;
            exchange.ClientFraming = framing;
            exchange.KeepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange;
            chain.ResponseHeaders.Attach(head);
            chain.EncodingStarted = true;

            var result = await GuardAsync(exchange, chain.Encoding.HeadersAsync(endOfStream: framing.Kind == Http1BodyKind.None)).ConfigureAwait(false);
            if (result is FilterChainResult.Passed or FilterChainResult.Held && framing.Kind != Http1BodyKind.None)
            {
                result = await EncodeResponseBodyAsync(exchange, upstream, framing, token).ConfigureAwait(false);
            }
            if (result == FilterChainResult.Ended && _exchange != exchange) return true;
            await AfterEncodeAsync(exchange, result, upstream, reusable: !head.WantsClose && framing.Kind != Http1BodyKind.CloseDelimited).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !Connection.Closed.IsCancellationRequested)
        {
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
        }
        catch (Http1ParseException)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or InvalidOperationException or System.IO.IOException)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Reads the response body from the upstream, piece by piece, into the encoders.</summary>
    private async ValueTask<FilterChainResult> EncodeResponseBodyAsync(Exchange exchange, Upstream.Http1UpstreamConnection upstream, Http1BodyFraming framing, CancellationToken token)
    {
        var chain = exchange.Filters!;
        var input = upstream.Input;
        var remaining = framing.ContentLength;
        _responseTrailers ??= new MessageHead();
        _responseTrailers.Reset();
        _encodedTrailers = _responseTrailers;
        chain.ResponseTrailers.Attach(_responseTrailers);
        if (framing.Kind == Http1BodyKind.Chunked) upstream.Chunked.Reset();
        while (true)
        {
            var read = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var piece = chain.Encoding.Piece;
            piece.Clear();
            bool complete;
            switch (framing.Kind)
            {
                case Http1BodyKind.ContentLength:
                    var take = Math.Min(remaining, buffer.Length);
                    piece.Append(buffer.Slice(0, take));
                    input.AdvanceTo(buffer.GetPosition(take));
                    remaining -= take;
                    complete = remaining == 0;
                    break;
                case Http1BodyKind.Chunked:
                    complete = ChunkedBodyReader.DecodeInto(buffer, upstream.Chunked, piece, _responseTrailers, out var consumed);
                    input.AdvanceTo(buffer.GetPosition(consumed), complete ? buffer.GetPosition(consumed) : buffer.End);
                    break;
                default:
                    piece.Append(buffer);
                    input.AdvanceTo(buffer.End);
                    complete = read.IsCompleted;
                    break;
            }
            if (!complete && read.IsCompleted)
            {
                // The upstream ended inside the body.
                exchange.Info.SetFlag(ResponseFlags.UpstreamRemoteReset);
                return FilterChainResult.Ended;
            }
            var hasTrailers = complete && _responseTrailers.FieldCount > 0;
            if (piece.Length > 0 || (complete && !hasTrailers))
            {
                var result = await GuardAsync(exchange, chain.Encoding.DataAsync(complete && !hasTrailers)).ConfigureAwait(false);
                if (result is not FilterChainResult.Passed and not FilterChainResult.Held) return result;
            }
            if (hasTrailers)
            {
                var result = await GuardAsync(exchange, chain.Encoding.TrailersAsync()).ConfigureAwait(false);
                if (result is not FilterChainResult.Passed and not FilterChainResult.Held) return result;
            }
            if (complete) return FilterChainResult.Passed;
        }
    }

    /// <summary>Ends the exchange after the response went (or failed to go) through the encoders.</summary>
    private async ValueTask AfterEncodeAsync(Exchange exchange, FilterChainResult result, Upstream.Http1UpstreamConnection? upstream, bool reusable = false)
    {
        if (_exchange != exchange) return;
        switch (result)
        {
            case FilterChainResult.LocalReply:
                await FilterLocalReplyAsync(exchange).ConfigureAwait(false);
                return;
            case FilterChainResult.Overflow:
                provider.Stats.ResponseTooLarge.Increment();
                exchange.Info.TerminationDetails = "response_payload_too_large";
                await AbandonUpstreamAsync(exchange).ConfigureAwait(false);
                if (exchange.ResponseStarted)
                {
                    EndExchange(exchange, keepAlive: false);
                    Connection.Close(ConnectionCloseType.AbortReset);
                    return;
                }
                await LocalReplyAsync(exchange, 500, "Internal Server Error"u8.ToArray(), skipFilters: true).ConfigureAwait(false);
                return;
            case FilterChainResult.Ended:
                // The client went away or the upstream ended early: neither connection can be trusted.
                await AbandonUpstreamAsync(exchange).ConfigureAwait(false);
                EndExchange(exchange, keepAlive: false);
                Connection.Close(exchange.ResponseStarted ? ConnectionCloseType.AbortReset : ConnectionCloseType.FlushWrite);
                return;
            case FilterChainResult.Held:
                // Only at the end of the stream can nothing be held (StopAndBuffer acts as Continue there).
                throw new InvalidOperationException("response held after its end");
        }
        if (upstream is not null)
        {
            exchange.UpstreamStats?.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(exchange.UpstreamStart).TotalMilliseconds);
            var pool = exchange.Pool!;
            exchange.Upstream = null;
            EndExchange(exchange, exchange.KeepAlive);
            await pool.ReleaseAsync(upstream, reusable && !exchange.BodyUnread).ConfigureAwait(false);
        }
        else
        {
            EndExchange(exchange, exchange.KeepAlive);
        }
    }

    // ---- IHttpFilterChainSink: what passed every filter ----

    ref RouteOutcome IHttpFilterChainSink.CurrentRoute() => ref RouteExchange(_exchange!);

    void IHttpFilterChainSink.ClearRoute()
    {
        if (_exchange is { } exchange) exchange.Routed = false;
    }

    async ValueTask<bool> IHttpFilterChainSink.RequestHeadersAsync(bool endOfStream, int wholeBodyLength)
    {
        var exchange = _exchange!;
        if (wholeBodyLength >= 0 && exchange.RequestFraming.Kind != Http1BodyKind.None)
        {
            // The filters hold the whole body: send it with its length, whatever they made of it.
            exchange.UpstreamFraming = Http1BodyFraming.OfLength(wholeBodyLength);
            exchange.UpstreamRemaining = wholeBodyLength;
        }
        if (!await OpenUpstreamAsync(exchange).ConfigureAwait(false)) return false;
        if (!endOfStream) return true;
        CompleteRequest(exchange);
        // An HTTP/2 stream without a body ended with its head.
        return exchange.Http2Upstream is not null || await FlushRequestAsync(exchange).ConfigureAwait(false);
    }

    async ValueTask<bool> IHttpFilterChainSink.RequestDataAsync(HttpBody body, bool endOfStream)
    {
        var exchange = _exchange!;
        if (exchange.Http2Upstream is not null)
        {
            if (!await SendBodyToHttp2Async(exchange, body, endOfStream, trailers: null).ConfigureAwait(false)) return false;
            if (endOfStream) CompleteRequest(exchange);
            return true;
        }
        var upstream = exchange.Upstream!.Output;
        // What goes upstream is kept for a retry (when one is possible).
        var output = BeginRequestBodyWrite(exchange, upstream, out var mark);
        if (exchange.UpstreamFraming.Kind == Http1BodyKind.ContentLength)
        {
            if (body.Length > exchange.UpstreamRemaining || (endOfStream && body.Length != exchange.UpstreamRemaining))
            {
                throw new InvalidOperationException("an HTTP filter changed the length of a streamed request body sent with Content-Length");
            }
            output.Write(body.Span);
            exchange.UpstreamRemaining -= body.Length;
        }
        else
        {
            if (body.Length > 0)
            {
                output.WriteHex(body.Length);
                output.Write("\r\n"u8);
                output.Write(body.Span);
                output.Write("\r\n"u8);
            }
            if (endOfStream) output.Write("0\r\n\r\n"u8);
        }
        EndRequestBodyWrite(exchange, upstream, mark);
        if (endOfStream) CompleteRequest(exchange);
        return await FlushRequestAsync(exchange).ConfigureAwait(false);
    }

    async ValueTask<bool> IHttpFilterChainSink.RequestTrailersAsync()
    {
        var exchange = _exchange!;
        if (exchange.Http2Upstream is not null)
        {
            var none = _http2Piece ??= new HttpBody();
            none.Clear();
            if (!await SendBodyToHttp2Async(exchange, none, complete: true, Http2RequestTrailers(exchange)).ConfigureAwait(false)) return false;
            CompleteRequest(exchange);
            return true;
        }
        var upstream = exchange.Upstream!.Output;
        var output = BeginRequestBodyWrite(exchange, upstream, out var mark);
        if (exchange.UpstreamFraming.Kind == Http1BodyKind.Chunked)
        {
            output.Write("0\r\n"u8);
            WriteTrailerFields(output, _requestTrailers!);
            output.Write("\r\n"u8);
        }
        EndRequestBodyWrite(exchange, upstream, mark);
        CompleteRequest(exchange);
        return await FlushRequestAsync(exchange).ConfigureAwait(false);
    }

    private async ValueTask<bool> FlushRequestAsync(Exchange exchange)
    {
        var flush = await FlushUpstreamAsync(exchange.Upstream!.Output, _exchangeCancel.Token).ConfigureAwait(false);
        if (flush == FlushResultOrFailure.Flushed)
        {
            MarkActivity();
            return true;
        }
        if (flush == FlushResultOrFailure.Cancelled) await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
        else await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        return false;
    }

    ValueTask<bool> IHttpFilterChainSink.ResponseHeadersAsync(bool endOfStream, int wholeBodyLength)
    {
        var exchange = _exchange!;
        var head = exchange.ResponseHead!;
        var framing = exchange.ClientFraming;
        if (wholeBodyLength >= 0 && framing.Kind != Http1BodyKind.None) framing = Http1BodyFraming.OfLength(wholeBodyLength);
        var clientIs10 = _request.Version == Http1Version.Http10;
        if (clientIs10 && framing.Kind is Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited) exchange.KeepAlive = false;
        exchange.Rechunk = !clientIs10 && framing.Kind is Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited;
        exchange.ClientFraming = framing;
        exchange.ClientRemaining = framing.Kind == Http1BodyKind.ContentLength ? framing.ContentLength : 0;
        WriteResponseHead(head, framing, exchange.KeepAlive, exchange.Rechunk, clientIs10, ref exchange.Route);
        exchange.ResponseStarted = true;
        return endOfStream ? FlushResponseAsync() : ValueTask.FromResult(true);
    }

    ValueTask<bool> IHttpFilterChainSink.ResponseDataAsync(HttpBody body, bool endOfStream)
    {
        var exchange = _exchange!;
        if (exchange.ClientFraming.Kind == Http1BodyKind.ContentLength)
        {
            if (body.Length > exchange.ClientRemaining || (endOfStream && body.Length != exchange.ClientRemaining))
            {
                throw new InvalidOperationException("an HTTP filter changed the length of a streamed response body sent with Content-Length");
            }
            exchange.ClientRemaining -= body.Length;
            _scratch.Write(body.Span);
        }
        else if (exchange.Rechunk)
        {
            if (body.Length > 0)
            {
                _scratch.WriteHex(body.Length);
                _scratch.Write("\r\n"u8);
                _scratch.Write(body.Span);
                _scratch.Write("\r\n"u8);
            }
            if (endOfStream) _scratch.Write("0\r\n\r\n"u8);
        }
        else
        {
            _scratch.Write(body.Span);
        }
        return FlushResponseAsync();
    }

    ValueTask<bool> IHttpFilterChainSink.ResponseTrailersAsync()
    {
        if (_exchange!.Rechunk)
        {
            _scratch.Write("0\r\n"u8);
            WriteTrailerFields(_scratch, _encodedTrailers!);
            _scratch.Write("\r\n"u8);
        }
        return FlushResponseAsync();
    }

    private async ValueTask<bool> FlushResponseAsync()
    {
        var (_, gone) = await FlushScratchAsync().ConfigureAwait(false);
        if (gone) _exchange?.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        return !gone;
    }

    private static void WriteTrailerFields(IBufferWriter<byte> output, MessageHead trailers)
    {
        for (var i = 0; i < trailers.FieldCount; i++)
        {
            ref var field = ref trailers.Field(i);
            if (field.Dropped || MessageHead.IsProxyOwned(field.Known) || field.Known == KnownHeader.Host) continue;
            output.WriteField(trailers.Name(i), trailers.Value(i));
        }
    }
}
