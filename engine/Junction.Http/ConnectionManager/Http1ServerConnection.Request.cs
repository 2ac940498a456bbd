using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using System.Net;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Http.Upstream;
using Junction.Http.Upstream.Http2;
using Junction.Network;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>Routes the request whose head was just parsed and, when it is forwarded, sends its head upstream.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask StartExchangeAsync(Exchange exchange, NetworkData data, bool endOfStream)
    {
        exchange.Started = true;
        if (exchange.Filters is not null)
        {
            await StartFilteredExchangeAsync(exchange, data, endOfStream).ConfigureAwait(false);
            return;
        }
        if (!await OpenUpstreamAsync(exchange).ConfigureAwait(false)) return;
        if (exchange.Http2Upstream is not null)
        {
            await ForwardBodyToHttp2Async(exchange, data, endOfStream).ConfigureAwait(false);
            return;
        }
        exchange.BodyRemaining = exchange.RequestFraming.Kind == Http1BodyKind.ContentLength ? exchange.RequestFraming.ContentLength : 0;
        await ForwardRequestBodyAsync(exchange, data, endOfStream).ConfigureAwait(false);
    }

    /// <summary>The routing decision for the current request, made on first use (filters may ask early, or clear it).</summary>
    private ref RouteOutcome RouteExchange(Exchange exchange)
    {
        if (!exchange.Routed)
        {
            exchange.Route = provider.Route(_request, exchange.Info.DownstreamRemoteAddress);
            exchange.Routed = true;
            exchange.Info.Route = exchange.Route.RouteName;
            if (exchange.Route.IdleTimeout is { } idle) ApplyRouteIdleTimeout(idle);
        }
        return ref exchange.Route;
    }

    /// <summary>
    /// Acts on the route: answers locally (no route, redirect, direct response, no healthy host, no
    /// connection), or takes an upstream connection from the pool and writes the request head into it
    /// (not yet flushed). True when the request is on its way upstream.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> OpenUpstreamAsync(Exchange exchange)
    {
        ref var route = ref RouteExchange(exchange);
        var hasBody = exchange.RequestFraming.Kind != Http1BodyKind.None;
        switch (route.Kind)
        {
            case RouteOutcomeKind.NoRoute:
                provider.Stats.NoRoute.Increment();
                exchange.Info.SetFlag(ResponseFlags.NoRouteFound);
                await LocalReplyAsync(exchange, 404, null).ConfigureAwait(false);
                return false;
            case RouteOutcomeKind.NoCluster:
                provider.Stats.NoCluster.Increment();
                exchange.Info.SetFlag(ResponseFlags.NoClusterFound);
                await LocalReplyAsync(exchange, 503, null).ConfigureAwait(false);
                return false;
            case RouteOutcomeKind.DirectResponse:
                await LocalReplyAsync(exchange, route.Status, route.Body.Length == 0 ? null : route.Body).ConfigureAwait(false);
                return false;
            case RouteOutcomeKind.Redirect:
                await LocalReplyAsync(exchange, route.Status, null, route.Location).ConfigureAwait(false);
                return false;
        }

        var cluster = route.Cluster!;
        exchange.Info.UpstreamCluster = cluster.Name;
        exchange.UpstreamStats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
        if (!exchange.TryEnterRequest(cluster))
        {
            if (TryUseFallback(exchange, ResponseFlags.UpstreamOverflow)) return await OpenUpstreamAsync(exchange).ConfigureAwait(false);
            // max_requests are in flight: Envoy fails the request at once, without queueing it.
            exchange.Info.SetFlag(ResponseFlags.UpstreamOverflow);
            await LocalReplyAsync(exchange, 503, OverflowBody).ConfigureAwait(false);
            return false;
        }
        exchange.IsUpgrade = provider.AllowWebSocket && _request.ConnectionUpgrade && _request.UpgradeIndex >= 0 &&
            !hasBody && Ascii.EqualsIgnoreCase(_request.Value(_request.UpgradeIndex), "websocket"u8);
        BeginRetries(exchange, route.Retry, cluster);
        // Copied out of the route: a ref local cannot live across the awaits below.
        var hash = route.Hash;
        var timeout = route.Timeout;
        var autoHostRewrite = route.AutoHostRewrite;

        Http1UpstreamConnection upstream;
        while (true)
        {
            var host = ChooseHost(exchange, cluster, hash);
            if (host is null)
            {
                if (TryUseFallback(exchange, ResponseFlags.NoHealthyUpstream))
                {
                    // The fallback is another cluster (its own places) or a direct response.
                    exchange.ReleaseClusterPlaces();
                    return await OpenUpstreamAsync(exchange).ConfigureAwait(false);
                }
                exchange.Info.SetFlag(ResponseFlags.NoHealthyUpstream);
                await LocalReplyAsync(exchange, 503, "no healthy upstream"u8.ToArray()).ConfigureAwait(false);
                return false;
            }
            exchange.Info.UpstreamHost = host.Address;
            if (autoHostRewrite) exchange.Route.RewrittenHost = Encoding.ASCII.GetBytes(host.Hostname ?? host.Address.ToString());
            exchange.Retry?.NoteAttempt(host);
            if (cluster.HttpOptions.Http2 is { } http2)
            {
                var (stream, opened) = await Http2ClientPool.For(cluster, host).AcquireStreamAsync(cluster, host, http2, provider.Limits.MaxHeaderBytes, Connection.Closed).ConfigureAwait(false);
                if (stream is not null) return await BeginHttp2StreamAsync(exchange, stream, host).ConfigureAwait(false);
                if (opened.Failure == UpstreamFailure.Overflow && TryUseFallback(exchange, ResponseFlags.UpstreamOverflow))
                {
                    exchange.ReleaseClusterPlaces();
                    return await OpenUpstreamAsync(exchange).ConfigureAwait(false);
                }
                if (await UpstreamUnavailableAsync(exchange, opened).ConfigureAwait(false)) continue;
                return false;
            }
            var pool = Http1ConnectionPool.For(cluster, host, provider.Limits);
            var (acquired, result) = await pool.AcquireAsync(cluster, host, Connection.Closed, timeout).ConfigureAwait(false);
            if (acquired is null)
            {
                if (result.Failure == UpstreamFailure.Overflow && TryUseFallback(exchange, ResponseFlags.UpstreamOverflow))
                {
                    exchange.ReleaseClusterPlaces();
                    return await OpenUpstreamAsync(exchange).ConfigureAwait(false);
                }
                // A connect failure the retry policy covers tries again (another host, after the back-off).
                if (await UpstreamUnavailableAsync(exchange, result).ConfigureAwait(false)) continue;
                return false;
            }
            upstream = acquired;
            exchange.Upstream = upstream;
            exchange.Pool = pool;
            exchange.Host = host;
            exchange.Info.UpstreamLocalAddress = upstream.Upstream.Connection.LocalEndPoint;
            break;
        }

        if (_request.ExpectsContinue && hasBody) await SendContinueAsync(exchange).ConfigureAwait(false);

        WriteRequestHead(exchange, upstream.Output);
        if (exchange.Route.Mirrors is not null) MirrorRequest(exchange);
        exchange.UpstreamStats.RequestsTotal.Increment();
        exchange.UpstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
        return true;
    }

    private static readonly byte[] OverflowBody = "upstream connect error or disconnect/reset before headers. reset reason: overflow"u8.ToArray();

    /// <summary>
    /// No connection to the host: a pending request past its route timeout (504 UT), a full circuit breaker
    /// (503 UO), or a connect failure (503 UF) -- unless the retry policy retries it. True when the caller
    /// should try again (the back-off was waited); false when the exchange was answered.
    /// </summary>
    private async ValueTask<bool> UpstreamUnavailableAsync(Exchange exchange, UpstreamConnectResult result)
    {
        if (result.Failure == UpstreamFailure.PendingTimeout)
        {
            // The route timeout passed while the request waited for a connection.
            exchange.Info.SetFlag(ResponseFlags.UpstreamRequestTimeout);
            await LocalReplyAsync(exchange, 504, "upstream request timeout"u8.ToArray()).ConfigureAwait(false);
            return false;
        }
        if (result.Failure == UpstreamFailure.Overflow)
        {
            // Envoy never retries an overflow: it would only add load to a cluster that is full.
            exchange.Info.SetFlag(ResponseFlags.UpstreamOverflow);
            await LocalReplyAsync(exchange, 503, OverflowBody).ConfigureAwait(false);
            return false;
        }
        if (exchange.Retry is { } retry)
        {
            var decision = retry.OnFailure(RetryFailure.ConnectFailure, exchange.UpstreamStats!);
            if (decision == RetryDecision.Retry) return await BackOffAsync(exchange).ConfigureAwait(false);
            NoteRetryRefusal(exchange, decision);
        }
        exchange.Info.SetFlag(ResponseFlags.UpstreamConnectionFailure);
        await LocalReplyAsync(exchange, 503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray()).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// The proxy answers Expect: 100-continue itself (and does not forward it), as Envoy does by default:
    /// the client sends its body now and the proxy streams it upstream.
    /// </summary>
    private async ValueTask SendContinueAsync(Exchange exchange)
    {
        if (exchange.ContinueSent) return;
        exchange.ContinueSent = true;
        await Connection.WriteAsync(new ReadOnlySequence<byte>("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray()), false).ConfigureAwait(false);
    }

    /// <summary>Forwards the request body bytes available now; once the body is complete, relays the response.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ForwardRequestBodyAsync(Exchange exchange, NetworkData data, bool endOfStream)
    {
        var upstream = exchange.Upstream!;
        var output = upstream.Output;
        var complete = false;
        switch (exchange.RequestFraming.Kind)
        {
            case Http1BodyKind.ContentLength:
                var take = Math.Min(exchange.BodyRemaining, data.Length);
                if (take > 0)
                {
                    var target = BeginRequestBodyWrite(exchange, output, out var mark);
                    target.WriteSequence(data.Buffer.Slice(0, take));
                    EndRequestBodyWrite(exchange, output, mark);
                    data.Consume(take);
                    exchange.BodyRemaining -= take;
                }
                complete = exchange.BodyRemaining == 0;
                break;
            case Http1BodyKind.Chunked:
                var chunkTarget = BeginRequestBodyWrite(exchange, output, out var chunkMark);
                complete = ReencodeRequestChunks(data, chunkTarget);
                EndRequestBodyWrite(exchange, output, chunkMark);
                break;
            default:
                complete = true;
                break;
        }

        // A timeout cancels a flush the upstream is too slow to take (request_timeout, stream_idle_timeout).
        var flush = await FlushUpstreamAsync(output, _exchangeCancel.Token).ConfigureAwait(false);
        if (flush == FlushResultOrFailure.Failed)
        {
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return;
        }
        if (flush == FlushResultOrFailure.Cancelled)
        {
            await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
            return;
        }
        MarkActivity();
        if (complete)
        {
            CompleteRequest(exchange);
            await RelayResponseAsync(exchange).ConfigureAwait(false);
        }
        else if (endOfStream)
        {
            // The client ended inside its body: the upstream gets a truncated request, so reset it.
            exchange.BodyUnread = true;
        }
    }

    private bool ReencodeRequestChunks(NetworkData data, IBufferWriter<byte> output)
    {
        var reader = new SequenceReader<byte>(data.Buffer);
        var trailers = new ChunkTrailerWriter(output);
        var complete = false;
        while (true)
        {
            var result = _requestChunks.Decode(ref reader, ref trailers, out var chunk);
            if (result == Http1ChunkedResult.Data)
            {
                output.WriteHex(chunk.Length);
                output.Write("\r\n"u8);
                foreach (var segment in chunk) output.Write(segment.Span);
                output.Write("\r\n"u8);
                continue;
            }
            complete = result == Http1ChunkedResult.Complete;
            break;
        }
        data.Consume(reader.Consumed);
        return complete;
    }

    private enum FlushResultOrFailure : byte
    {
        Flushed,
        Failed,

        /// <summary>The exchange's cancellation fired (a timeout) before the upstream took the bytes.</summary>
        Cancelled,
    }

    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private static async ValueTask<FlushResultOrFailure> FlushUpstreamAsync(System.IO.Pipelines.PipeWriter output, CancellationToken token = default)
    {
        try
        {
            var flush = await output.FlushAsync(token).ConfigureAwait(false);
            return flush.IsCompleted ? FlushResultOrFailure.Failed : FlushResultOrFailure.Flushed;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return FlushResultOrFailure.Cancelled;
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or InvalidOperationException or System.IO.IOException)
        {
            return FlushResultOrFailure.Failed;
        }
    }

    private void WriteRequestHead(Exchange exchange, IBufferWriter<byte> output) =>
        UpstreamRequestHead.Write(output, _request, ref exchange.Route, provider, Connection.RemoteEndPoint, exchange.UpstreamFraming, exchange.IsUpgrade, "http"u8);

    /// <summary>The client half-closed inside a request: nothing can complete it, so drop the upstream.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask AbandonExchangeAsync(Exchange exchange)
    {
        exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        if (exchange.Upstream is { } upstream)
        {
            upstream.Abort();
            await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
            exchange.Upstream = null;
        }
        EndExchange(exchange, keepAlive: false);
    }
}
