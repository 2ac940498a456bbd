using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Http.Routing;
using Junction.Http.Upstream;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Retries (a route's or virtual host's <c>retry_policy</c>, or <c>x-envoy-retry-on</c>). A failed attempt
/// is retried only before anything of its response went to the client: the decision is made on the
/// response head (or on a reset, a connect failure, per_try_timeout) before a byte is written, so no
/// response is ever buffered. The request body is kept as it goes upstream, up to the listener's
/// buffer limit (beyond it the request streams on and is not retried), and sent again with a fresh
/// head on a new connection, to a host chosen again (avoiding tried hosts with <c>previous_hosts</c>).
/// </summary>
/// <remarks>
/// The route timeout spans every attempt and the back-offs; per_try_timeout bounds one attempt's wait
/// for its response head and is ignored once the response started, as in Envoy. With HTTP filters the
/// same applies: decoders ran once and their output is what is replayed; encoders only ever see the
/// response that is not retried.
/// </remarks>
internal sealed partial class Http1ServerConnection
{
    private RetryState? _retryState;
    // The request body kept for a retry or a shadow: one per connection, begun per request that needs it.
    private KeptRequestBody? _keptBody;

    /// <summary>Starts the request's retries when its route (or x-envoy-retry-on) asks for them.</summary>
    private void BeginRetries(Exchange exchange, RetryPolicy? policy, IUpstreamCluster cluster)
    {
        // An upgrade becomes a tunnel: there is no response to judge before bytes flow both ways.
        if (exchange.IsUpgrade || (policy is null && _request.Find("x-envoy-retry-on"u8) < 0)) return;
        var retry = _retryState ??= new RetryState();
        if (!retry.Begin(policy, _request, cluster)) return;
        exchange.Retry = retry;
        retry.Body = KeepRequestBody(exchange);
        if (provider.GenerateRequestId && _request.Find("x-request-id"u8) < 0)
        {
            // Every attempt must carry the same id, so it is made once, on the request itself.
            Span<byte> id = stackalloc byte[36];
            Guid.NewGuid().TryFormat(id, out _);
            _request.AddField("x-request-id"u8, id);
        }
    }

    /// <summary>
    /// The cluster's pick; for a retry with previous_hosts, a host not tried yet when the cluster can find
    /// one: the next one along the hash ring (or Maglev table) for a hashed request, else another draw of the
    /// load balancer (up to host_selection_retry_max_attempts of them).
    /// </summary>
    private static IUpstreamHost? ChooseHost(Exchange exchange, IUpstreamCluster cluster, ulong? hash)
    {
        if (exchange.Retry is not { Attempts: > 0, AvoidPreviousHosts: true } retry) return cluster.ChooseHost(hash);
        return cluster.ChooseHostAvoiding(hash, retry.TriedHosts, retry.HostSelectionRetryMaxAttempts);
    }

    /// <summary>Waits the retry's back-off. False when the exchange ended meanwhile (a timeout, the client gone); it was answered.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> BackOffAsync(Exchange exchange)
    {
        var delay = exchange.Retry!.NextBackOff();
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _exchangeCancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
                return false;
            }
        }
        if (Connection.Closed.IsCancellationRequested)
        {
            exchange.Info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            EndExchange(exchange, keepAlive: false);
            return false;
        }
        MarkActivity();
        return true;
    }

    /// <summary>A failure the policy would retry was not retried: say why in the access log.</summary>
    private static void NoteRetryRefusal(Exchange exchange, RetryDecision decision)
    {
        if (decision == RetryDecision.LimitExceeded) exchange.Info.SetFlag(ResponseFlags.UpstreamRetryLimitExceeded);
        else if (decision == RetryDecision.Overflow) exchange.Info.SetFlag(ResponseFlags.UpstreamOverflow);
    }

    /// <summary>Ends the attempt's upstream connection: its response, if any, is never read further.</summary>
    private async ValueTask DropAttemptAsync(Exchange exchange)
    {
        // The head belongs to the connection being dropped: the access log must not read it later.
        exchange.Info.Response = null;
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

    /// <summary>
    /// After a retry was decided and the failed attempt dropped: waits the back-off, picks a host, opens
    /// a connection and sends the request again (head and kept body). True when it is on its way; false
    /// when the exchange was answered instead.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> ResendAsync(Exchange exchange)
    {
        // A fallback direct response may have answered the request already.
        if (_exchange != exchange) return false;
        var retry = exchange.Retry!;
        var cluster = exchange.Route.Cluster!;
        var hash = exchange.Route.Hash;
        var timeout = exchange.Route.Timeout;
        var stats = exchange.UpstreamStats!;
        if (exchange.SkipBackOff) exchange.SkipBackOff = false;
        else if (!await BackOffAsync(exchange).ConfigureAwait(false)) return false;
        while (true)
        {
            var host = ChooseHost(exchange, cluster, hash);
            if (host is null)
            {
                exchange.Info.SetFlag(ResponseFlags.NoHealthyUpstream);
                await LocalReplyAsync(exchange, 503, "no healthy upstream"u8.ToArray()).ConfigureAwait(false);
                return false;
            }
            exchange.Info.UpstreamHost = host.Address;
            if (exchange.Route.AutoHostRewrite) exchange.Route.RewrittenHost = Encoding.ASCII.GetBytes(host.Hostname ?? host.Address.ToString());
            retry.NoteAttempt(host);
            if (cluster.HttpOptions.Http2 is { } http2)
            {
                var (sent, failure) = await ResendToHttp2Async(exchange, cluster, host, http2).ConfigureAwait(false);
                if (failure is { } unavailable)
                {
                    if (await UpstreamUnavailableAsync(exchange, unavailable).ConfigureAwait(false)) continue;
                    return false;
                }
                if (sent) return true;
                var reset = retry.OnFailure(RetryFailure.Reset, stats);
                if (reset == RetryDecision.Retry)
                {
                    await DropAttemptAsync(exchange).ConfigureAwait(false);
                    if (!await BackOffAsync(exchange).ConfigureAwait(false)) return false;
                    continue;
                }
                NoteRetryRefusal(exchange, reset);
                await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
                return false;
            }
            var pool = Http1ConnectionPool.For(cluster, host, provider.Limits);
            var (upstream, result) = await pool.AcquireAsync(cluster, host, Connection.Closed, timeout).ConfigureAwait(false);
            if (upstream is null)
            {
                if (await UpstreamUnavailableAsync(exchange, result).ConfigureAwait(false)) continue;
                return false;
            }
            exchange.Upstream = upstream;
            exchange.Pool = pool;
            exchange.Host = host;
            exchange.Info.UpstreamLocalAddress = upstream.Upstream.Connection.LocalEndPoint;
            WriteRequestHead(exchange, upstream.Output);
            if (exchange.KeptBody is { Bytes.Length: > 0 } kept) upstream.Output.Write(kept.Bytes.Written.Span);
            stats.RequestsTotal.Increment();
            exchange.UpstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();

            var flush = await FlushUpstreamAsync(upstream.Output, _exchangeCancel.Token).ConfigureAwait(false);
            if (flush == FlushResultOrFailure.Flushed)
            {
                MarkActivity();
                return true;
            }
            if (flush == FlushResultOrFailure.Cancelled)
            {
                await ExchangeCancelledAsync(exchange).ConfigureAwait(false);
                return false;
            }
            var decision = retry.OnFailure(RetryFailure.Reset, stats);
            if (decision == RetryDecision.Retry)
            {
                await DropAttemptAsync(exchange).ConfigureAwait(false);
                if (!await BackOffAsync(exchange).ConfigureAwait(false)) return false;
                continue;
            }
            NoteRetryRefusal(exchange, decision);
            await UpstreamFailedAsync(exchange, ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Reads the attempt's response head, within the route's per_try_timeout when it has one. HeadRead is
    /// false when the upstream closed first or the per-try timeout passed (PerTryExpired). A timeout of
    /// the whole exchange (route timeout, timer) is thrown as it is.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<(bool HeadRead, bool PerTryExpired)> ReadAttemptHeadAsync(Exchange exchange, Http1UpstreamConnection upstream, CancellationToken token)
    {
        _responseBytesSeen = false;
        CancellationTokenSource? perTry = null;
        if (exchange.Route.Retry?.PerTryTimeout is { } limit)
        {
            perTry = CancellationTokenSource.CreateLinkedTokenSource(token);
            perTry.CancelAfter(limit);
        }
        try
        {
            return (await ReadResponseHeadAsync(upstream.Input, upstream.Parser, upstream.Response, perTry?.Token ?? token).ConfigureAwait(false), false);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or System.IO.IOException)
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

    /// <summary>
    /// An attempt got no response head (closed, reset, or per_try_timeout). True when it was dropped for a
    /// retry; false when the client was answered (503 UR, or 504 UT for the per-try timeout).
    /// </summary>
    private async ValueTask<bool> RetryFailedAttemptAsync(Exchange exchange, bool perTryExpired)
    {
        if (perTryExpired) exchange.UpstreamStats?.PerTryTimeouts.Increment();
        if (exchange.Retry is { } retry)
        {
            var decision = retry.OnFailure(RetryFailure.Reset, exchange.UpstreamStats!);
            if (decision == RetryDecision.Retry)
            {
                await DropAttemptAsync(exchange).ConfigureAwait(false);
                return true;
            }
            NoteRetryRefusal(exchange, decision);
            if (await FallBackAfterRetriesAsync(exchange, decision).ConfigureAwait(false)) return true;
        }
        await UpstreamFailedAsync(exchange, perTryExpired ? ResponseFlags.UpstreamRequestTimeout : ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// An attempt was answered with <paramref name="head"/>, nothing of it written yet. True when the
    /// policy retries it (the attempt was dropped); false when this is the response the client gets.
    /// </summary>
    private async ValueTask<bool> RetryAnsweredAttemptAsync(Exchange exchange, MessageHead head)
    {
        if (exchange.Retry is not { } retry) return false;
        var decision = retry.OnResponse(head, exchange.UpstreamStats!);
        if (decision == RetryDecision.Retry)
        {
            await DropAttemptAsync(exchange).ConfigureAwait(false);
            return true;
        }
        NoteRetryRefusal(exchange, decision);
        return await FallBackAfterRetriesAsync(exchange, decision).ConfigureAwait(false);
    }

    /// <summary>
    /// Retries ran out on a failure: the route's <c>junction_fallback</c> takes the request, if it has one
    /// (a cluster that can replay the kept body, or a direct response). True when it did: the failed attempt is
    /// dropped, and either the fallback cluster gets the request next (the caller resends, without a
    /// back-off) or the fallback's direct response has answered already (the resend then finds the
    /// exchange over).
    /// </summary>
    private async ValueTask<bool> FallBackAfterRetriesAsync(Exchange exchange, RetryDecision decision)
    {
        if (decision != RetryDecision.LimitExceeded) return false;
        // A kept body is framed for the primary's protocol (HTTP/1.1 framing, or the bare body for HTTP/2):
        // a fallback cluster speaking the other one could not replay it.
        if (exchange.Route.Fallback is { Cluster: { } fallback } && exchange.KeptBody is { Bytes.Length: > 0 } &&
            (fallback.HttpOptions.Http2 is null) != (exchange.Route.Cluster!.HttpOptions.Http2 is null))
        {
            return false;
        }
        if (!TryUseFallback(exchange, ResponseFlags.UpstreamRetryLimitExceeded)) return false;
        await DropAttemptAsync(exchange).ConfigureAwait(false);
        if (exchange.Route.Kind == RouteOutcomeKind.Forward && exchange.Route.Cluster is { } cluster)
        {
            exchange.Info.UpstreamCluster = cluster.Name;
            exchange.UpstreamStats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
            exchange.SkipBackOff = true;
            return true;
        }
        await LocalReplyAsync(exchange, exchange.Route.Status, exchange.Route.Body.Length == 0 ? null : exchange.Route.Body).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Starts keeping the request body for a retry or a shadow (once per request; both share it). Null
    /// when the request has no body. A body known from its Content-Length to be over the listener's buffer
    /// limit is abandoned at once (it streams, and is neither retried nor mirrored), counted as
    /// <c>retry_or_shadow_abandoned</c>, as a body that outgrows the limit later is.
    /// </summary>
    private KeptRequestBody? KeepRequestBody(Exchange exchange)
    {
        var framing = exchange.UpstreamFraming;
        if (framing.Kind == Http1BodyKind.None) return null;
        if (exchange.KeptBody is { } kept) return kept;
        kept = _keptBody ??= new KeptRequestBody();
        var limit = provider.Filters.BufferLimit;
        kept.Begin(limit);
        exchange.KeptBody = kept;
        if (framing.Kind == Http1BodyKind.ContentLength && framing.ContentLength > limit)
        {
            kept.Abandon();
            exchange.UpstreamStats!.RetryAbandoned.Increment();
        }
        return kept;
    }

    /// <summary>
    /// Where the next request body bytes are written: the kept body while it is kept for a retry or a
    /// shadow (<see cref="EndRequestBodyWrite"/> then copies them upstream), else the upstream itself.
    /// </summary>
    private static IBufferWriter<byte> BeginRequestBodyWrite(Exchange exchange, IBufferWriter<byte> upstream, out int mark)
    {
        if (exchange.KeptBody is { Keeping: true } kept)
        {
            mark = kept.Bytes.Length;
            return kept.Bytes;
        }
        mark = -1;
        return upstream;
    }

    /// <summary>Sends what was written since <see cref="BeginRequestBodyWrite"/> upstream, when it went to the kept body.</summary>
    private static void EndRequestBodyWrite(Exchange exchange, IBufferWriter<byte> upstream, int mark)
    {
        if (mark < 0) return;
        if (exchange.KeptBody!.CopyNewBytes(mark, upstream)) exchange.UpstreamStats!.RetryAbandoned.Increment();
    }
}
