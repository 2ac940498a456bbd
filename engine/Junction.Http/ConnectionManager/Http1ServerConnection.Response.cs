using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using System.IO.Pipelines;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>
    /// Reads the upstream's response head, writes it to the client with the proxy's changes, relays the
    /// body with the framing the client can read, and ends the exchange.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask RelayResponseAsync(Exchange exchange)
    {
        ArmRouteTimeout(exchange);
        try
        {
            // Each failed attempt the retry policy retries is dropped and the request sent again.
            while (!await RelayAttemptAsync(exchange).ConfigureAwait(false))
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

    /// <summary>
    /// The route timeout runs from the end of the request to the end of the response, across every
    /// attempt. The source was reset when the stream began; the timer may cancel it too (Timeouts.cs).
    /// </summary>
    private void ArmRouteTimeout(Exchange exchange)
    {
        if (exchange.RouteTimerArmed) return;
        exchange.RouteTimerArmed = true;
        if (ExchangeDeadline.Remaining(exchange.Route, _request, exchange.Info.StartTimestamp) is { } timeout) _exchangeCancel.CancelAfter(timeout);
    }

    /// <summary>
    /// Reads the upstream's response head (within per_try_timeout, when the retry policy has one) and
    /// decides whether the attempt is retried; a response that is not is relayed as by
    /// <see cref="RelayResponseAsync"/>. Returns false when the attempt was dropped for a retry.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> RelayAttemptAsync(Exchange exchange)
    {
        var upstream = exchange.Upstream!;
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

            var clientIs10 = _request.Version == Http1Version.Http10;
            // A body the client can only read to its end (1.0 client, unframed response) ends the connection.
            var keepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange &&
                !(clientIs10 && framing.Kind is Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited);
            var rechunk = !clientIs10 && framing.Kind is Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited;
            WriteResponseHead(head, framing, keepAlive, rechunk, clientIs10, ref exchange.Route);
            exchange.ResponseStarted = true;

            var (bodyComplete, clientGone) = framing.Kind switch
            {
                Http1BodyKind.ContentLength => await RelayLengthBodyAsync(upstream.Input, framing.ContentLength, token).ConfigureAwait(false),
                Http1BodyKind.Chunked => await RelayChunkedBodyAsync(upstream, rechunk, token).ConfigureAwait(false),
                Http1BodyKind.CloseDelimited => await RelayToEndAsync(upstream.Input, rechunk, token).ConfigureAwait(false),
                _ => await FlushScratchAsync().ConfigureAwait(false),
            };
            if (clientGone)
            {
                exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                upstream.Abort();
                await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
                exchange.Upstream = null;
                EndExchange(exchange, keepAlive: false);
                return true;
            }
            if (!bodyComplete)
            {
                // The upstream ended inside the body: the client cannot be told in HTTP/1.1 other than
                // by a reset, so it can never mistake a truncated body for a complete one.
                exchange.Info.SetFlag(ResponseFlags.UpstreamRemoteReset);
                await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
                exchange.Upstream = null;
                EndExchange(exchange, keepAlive: false);
                Connection.Close(ConnectionCloseType.AbortReset);
                return true;
            }

            exchange.UpstreamStats?.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(exchange.UpstreamStart).TotalMilliseconds);
            var reusable = !head.WantsClose && framing.Kind != Http1BodyKind.CloseDelimited && !exchange.BodyUnread;
            var pool = exchange.Pool!;
            exchange.Upstream = null;
            // End (and log) first: the access log may read the response head, which belongs to the
            // upstream connection and is overwritten as soon as another request reuses it.
            EndExchange(exchange, keepAlive);
            await pool.ReleaseAsync(upstream, reusable).ConfigureAwait(false);
            return true;
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

    // True once the current exchange's upstream has sent any byte of a response.
    private bool _responseBytesSeen;

    /// <summary>
    /// The race every keep-alive proxy meets: an upstream closes an idle connection just as the proxy
    /// sends a request on it, before the close arrived for the idle watcher to see. If a request on a
    /// reused connection got no response byte at all, the upstream never processed it, so an idempotent
    /// request without a body is sent once more on a fresh connection instead of failing with 503.
    /// </summary>
    private async ValueTask<bool> TryResendOnFreshConnectionAsync(Exchange exchange)
    {
        var stale = exchange.Upstream!;
        if (exchange.Retried || stale.Requests <= 1 || _responseBytesSeen ||
            exchange.RequestFraming.Kind != Http1BodyKind.None || !IsIdempotent(_request.Method) ||
            exchange.Route.Cluster is null || exchange.Host is null)
        {
            return false;
        }
        exchange.Retried = true;
        exchange.UpstreamStats?.Retries.Increment();
        stale.Abort();
        await exchange.Pool!.ReleaseAsync(stale, reusable: false).ConfigureAwait(false);
        exchange.Upstream = null;

        var (fresh, result) = await exchange.Pool.ConnectNewAsync(exchange.Route.Cluster, exchange.Host, Connection.Closed).ConfigureAwait(false);
        if (fresh is null)
        {
            exchange.Info.SetFlag(result.Failure == Junction.Upstream.UpstreamFailure.Overflow ? ResponseFlags.UpstreamOverflow : ResponseFlags.UpstreamConnectionFailure);
            await LocalReplyAsync(exchange, 503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray()).ConfigureAwait(false);
            return true;
        }
        exchange.Upstream = fresh;
        exchange.Info.UpstreamLocalAddress = fresh.Upstream.Connection.LocalEndPoint;
        WriteRequestHead(exchange, fresh.Output);
        if (await FlushUpstreamAsync(fresh.Output).ConfigureAwait(false) == FlushResultOrFailure.Failed)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return true;
        }
        if (exchange.Filters is null) await RelayResponseAsync(exchange).ConfigureAwait(false);
        else await RelayFilteredResponseAsync(exchange).ConfigureAwait(false);
        return true;
    }

    /// <summary>RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.</summary>
    private static bool IsIdempotent(Http1Method method) => method is
        Http1Method.Get or Http1Method.Head or Http1Method.Options or Http1Method.Trace or Http1Method.Put or Http1Method.Delete;

    /// <summary>Parses the status line and header fields; skips interim 1xx responses. False when the upstream closed first.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> ReadResponseHeadAsync(PipeReader input, Http1Parser parser, MessageHead head, CancellationToken token)
    {
        var statusLineDone = false;
        head.Reset();
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = result.Buffer;
            if (!buffer.IsEmpty) _responseBytesSeen = true;
            var done = ParseResponseHead(buffer, parser, head, ref statusLineDone, out var consumed);
            input.AdvanceTo(buffer.GetPosition(consumed), done ? buffer.GetPosition(consumed) : buffer.End);
            if (done)
            {
                // 100 Continue and other interim responses: the proxy handled Expect itself; drop them.
                if (head.StatusCode is >= 100 and < 200 && head.StatusCode != 101)
                {
                    head.Reset();
                    statusLineDone = false;
                    continue;
                }
                return true;
            }
            if (result.IsCompleted) return false;
        }
    }

    internal static bool ParseResponseHead(in ReadOnlySequence<byte> buffer, Http1Parser parser, MessageHead head, ref bool statusLineDone, out long consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        var builder = new MessageHeadBuilder(head);
        if (!statusLineDone) statusLineDone = parser.ParseStatusLine(ref reader, ref builder);
        var done = statusLineDone && parser.ParseHeaders(ref reader, ref builder);
        consumed = reader.Consumed;
        return done;
    }

    private void WriteResponseHead(MessageHead head, Http1BodyFraming framing, bool keepAlive, bool rechunk, bool clientIs10, ref RouteOutcome route)
    {
        var output = _scratch;
        output.ResetWrittenCount();
        output.Write("HTTP/1.1 "u8);
        output.WriteNumber(head.StatusCode);
        output.Write(" "u8);
        output.Write(head.Reason);
        output.Write("\r\n"u8);
        for (var i = 0; i < head.FieldCount; i++)
        {
            if (head.Field(i).Dropped) continue;
            var name = head.Name(i);
            if (provider.ServerName is not null && Ascii.EqualsIgnoreCase(name, "server"u8)) continue;
            if (HeaderMutationWriter.Replaces(name, route.ResponseMutations, route.ClusterResponseMutations)) continue;
            output.WriteField(name, head.Value(i));
        }
        HeaderMutationWriter.WriteAdditions(output, head, route.ClusterResponseMutations, route.ResponseMutations);
        if (provider.ServerName is { } server) output.WriteField("server"u8, server);

        switch (framing.Kind)
        {
            case Http1BodyKind.ContentLength:
                output.Write("content-length: "u8);
                output.WriteNumber(framing.ContentLength);
                output.Write("\r\n"u8);
                break;
            case Http1BodyKind.None when head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None:
                // HEAD and 304 answers describe the body they do not carry: keep that length.
                output.Write("content-length: "u8);
                output.WriteNumber(head.Framing.ContentLength);
                output.Write("\r\n"u8);
                break;
            case Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited when rechunk:
                output.Write("transfer-encoding: chunked\r\n"u8);
                break;
        }
        if (!keepAlive) output.Write("connection: close\r\n"u8);
        else if (clientIs10) output.Write("connection: keep-alive\r\n"u8);
        output.Write("\r\n"u8);
    }

    /// <summary>Sends whatever is in the scratch buffer (the head, perhaps with body bytes) to the client.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<(bool Complete, bool ClientGone)> FlushScratchAsync()
    {
        if (_scratch.WrittenCount == 0) return (true, false);
        var ok = await Connection.WriteAsync(new ReadOnlySequence<byte>(_scratch.WrittenMemory), endOfStream: false).ConfigureAwait(false);
        MarkActivity();
        _scratch.ResetWrittenCount();
        return (true, !ok);
    }

    // Small bodies ride in the same write as the head: one syscall for a typical small response.
    private const int CoalesceLimit = 16 * 1024;

    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<(bool Complete, bool ClientGone)> RelayLengthBodyAsync(PipeReader input, long length, CancellationToken token)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = result.Buffer;
            var take = Math.Min(remaining, buffer.Length);
            var body = buffer.Slice(0, take);
            bool ok;
            if (_scratch.WrittenCount > 0 && _scratch.WrittenCount + take <= CoalesceLimit)
            {
                foreach (var segment in body) _scratch.Write(segment.Span);
                ok = (await FlushScratchAsync().ConfigureAwait(false)).ClientGone == false;
            }
            else
            {
                ok = !(await FlushScratchAsync().ConfigureAwait(false)).ClientGone &&
                    (take == 0 || await Connection.WriteAsync(body, endOfStream: false).ConfigureAwait(false));
                MarkActivity();
            }
            input.AdvanceTo(body.End);
            remaining -= take;
            if (!ok) return (false, true);
            if (remaining > 0 && result.IsCompleted) return (false, false);
        }
        return await FlushScratchAsync().ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<(bool Complete, bool ClientGone)> RelayChunkedBodyAsync(Upstream.Http1UpstreamConnection upstream, bool rechunk, CancellationToken token)
    {
        var input = upstream.Input;
        var decoder = upstream.Chunked;
        decoder.Reset();
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = result.Buffer;
            var complete = DecodeResponseChunks(buffer, decoder, rechunk, out var consumed);
            input.AdvanceTo(buffer.GetPosition(consumed), complete ? buffer.GetPosition(consumed) : buffer.End);
            var (_, gone) = await FlushScratchAsync().ConfigureAwait(false);
            if (gone) return (false, true);
            if (complete) return (true, false);
            if (result.IsCompleted) return (false, false);
        }
    }

    private bool DecodeResponseChunks(in ReadOnlySequence<byte> buffer, Http1ChunkedDecoder decoder, bool rechunk, out long consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        var output = _scratch;
        var trailers = new ChunkTrailerWriter(output);
        var discard = default(TrailerDiscarder);
        while (true)
        {
            var result = rechunk
                ? decoder.Decode(ref reader, ref trailers, out var chunk)
                : decoder.Decode(ref reader, ref discard, out chunk);
            if (result == Http1ChunkedResult.Data)
            {
                if (rechunk)
                {
                    output.WriteHex(chunk.Length);
                    output.Write("\r\n"u8);
                }
                foreach (var segment in chunk) output.Write(segment.Span);
                if (rechunk) output.Write("\r\n"u8);
                continue;
            }
            consumed = reader.Consumed;
            return result == Http1ChunkedResult.Complete;
        }
    }

    /// <summary>A body that ends when the upstream closes: forwarded as chunks (1.1 client) or raw (1.0 client).</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<(bool Complete, bool ClientGone)> RelayToEndAsync(PipeReader input, bool rechunk, CancellationToken token)
    {
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = result.Buffer;
            _scratch.WriteBodyPiece(buffer, rechunk);
            input.AdvanceTo(buffer.End);
            if (result.IsCompleted && rechunk) _scratch.Write("0\r\n\r\n"u8);
            var (_, gone) = await FlushScratchAsync().ConfigureAwait(false);
            if (gone) return (false, true);
            if (result.IsCompleted) return (true, false);
        }
    }
}
