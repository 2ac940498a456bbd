using System.Buffers;
using System.Text;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Http.Upstream;
using Junction.Http.Upstream.Http2;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>What became of a try to open an attempt.</summary>
internal enum AttemptOpening : byte
{
    /// <summary>The attempt is on its way (its head went out, or failed to and will be retried).</summary>
    Opened,

    /// <summary>The route's fallback took over: route again.</summary>
    Fallback,

    /// <summary>No attempt: a reply was recorded.</summary>
    Failed,
}

/// <summary>What a retry decision led to.</summary>
internal enum RetryStep : byte
{
    /// <summary>No retry: the attempt's result stands.</summary>
    None,

    /// <summary>A new attempt is on its way: wait for its response.</summary>
    Resent,

    /// <summary>The stream was answered otherwise (a reply was recorded).</summary>
    Answered,
}

/// <summary>
/// The request side of a stream: opens the first attempt (routing outcomes, circuit breakers, host
/// choice, connect failures and their retries, the route's fallback), then sends the body up as the
/// client's DATA frames arrive, keeping it for a retry while the retry policy may need it.
/// </summary>
/// <remarks>
/// Retries follow the HTTP/1.1 path's rules (<see cref="RetryState"/>): decided on the response head or
/// a failure before any of the response went to the client, the body kept up to the buffer limit. An
/// HTTP/2 stream is retried after its head went out only once the whole request is in hand
/// (<see cref="_requestKept"/>), since a new attempt must get all of it; a connect failure is retried
/// before the body is sent, so it always can be.
/// </remarks>
internal sealed partial class Http2ServerStream
{
    private RetryState? _retry;
    // Shadows (route mirrors) waiting for the whole request body.
    private List<Action<ReadOnlyMemory<byte>>>? _shadows;
    // The request body kept for a retry (bare, without framing: each attempt frames it for its protocol).
    private KeptRequestBody? _kept;
    private bool _routed;
    // The whole request (head, body, trailers) is in hand: in the retry buffer, or nothing more to send.
    private volatile bool _requestKept;
    // Every byte of the request went to the current attempt.
    private volatile bool _requestComplete;

    /// <summary>The retry state when a retry may still be decided now: the request can be sent again.</summary>
    private RetryState? ActiveRetry => _retry is { } retry && _kept is not { Abandoned: true } && _requestKept ? retry : null;

    private async Task RunRequestSideAsync()
    {
        try
        {
            if (_filters is { } chain) await DecodeRequestAsync(chain).ConfigureAwait(false);
            else await ForwardRequestAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_requestStop is { IsCancellationRequested: true })
        {
            // The exchange ended, timed out, or no longer wants the rest of the request.
        }
        catch (Exception ex) when (_filters is not null && ex is not OperationCanceledException)
        {
            // A filter bug must not take the connection down: the stream fails, others go on.
            Provider.Stats.FilterErrors.Increment();
            _info!.TerminationDetails = "filter_error:" + ex.GetType().Name;
            RecordReply(500, "filter error"u8.ToArray(), skipFilters: true);
        }
        catch (Exception ex) when (IsUpstreamFailure(ex) || ex is OperationCanceledException)
        {
            // The connection went away while the body was being read or granted window.
        }
        finally
        {
            _opened?.TrySetResult(false);
        }
    }

    /// <summary>Without filters: the body copied up as it arrives (the stream's task opened the attempt).</summary>
    private async ValueTask ForwardRequestAsync()
    {
        var reader = _body!.Reader;
        while (true)
        {
            var read = await reader.ReadAsync(_requestStop!.Token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var trailers = read.IsCompleted ? TrailersToSend : null;
            var end = read.IsCompleted && trailers is null;
            await SendBodyUpAsync(buffer, end).ConfigureAwait(false);
            var length = (int)buffer.Length;
            reader.AdvanceTo(buffer.End);
            // Only now that the upstream took them may the client send as many bytes again.
            await BodyTakenAsync(length).ConfigureAwait(false);
            if (trailers is not null) await SendTrailersUpAsync(trailers).ConfigureAwait(false);
            if (read.IsCompleted) return;
        }
    }

    /// <summary>Trailers the client sent, when there are any to forward.</summary>
    private MessageHead? TrailersToSend => RequestTrailers is { FieldCount: > 0 } trailers ? trailers : null;

    /// <summary>
    /// Routes the request to its first attempt (the route's fallback may take over once). True when an
    /// attempt is on its way; false when a reply was recorded instead.
    /// </summary>
    private async ValueTask<bool> OpenAsync(long contentLength, bool hasBody)
    {
        var info = _info!;
        while (true)
        {
            switch (Route.Kind)
            {
                case RouteOutcomeKind.NoRoute:
                    Provider.Stats.NoRoute.Increment();
                    info.SetFlag(ResponseFlags.NoRouteFound);
                    RecordReply(404, null);
                    return false;
                case RouteOutcomeKind.NoCluster:
                    Provider.Stats.NoCluster.Increment();
                    info.SetFlag(ResponseFlags.NoClusterFound);
                    RecordReply(503, null);
                    return false;
                case RouteOutcomeKind.DirectResponse:
                    RecordReply(Route.Status, Route.Body.Length == 0 ? null : Route.Body);
                    return false;
                case RouteOutcomeKind.Redirect:
                    RecordReply(Route.Status, null, Route.Location);
                    return false;
            }

            var cluster = Route.Cluster!;
            info.UpstreamCluster = cluster.Name;
            if (!cluster.TryEnterRequest())
            {
                // max_requests are in flight.
                if (UseFallback(ResponseFlags.UpstreamOverflow)) continue;
                RecordConnectFailure(UpstreamFailure.Overflow);
                return false;
            }
            _requestPlace = cluster;
            _stats = UpstreamRequestStats.For(cluster, Provider.Stats.Root);
            BeginRetries(cluster, hasBody, contentLength);
            var opening = await OpenAttemptAsync(cluster, firstTry: true, contentLength, hasBody).ConfigureAwait(false);
            if (opening == AttemptOpening.Fallback) continue;
            if (opening == AttemptOpening.Failed) return false;
            PrepareShadows(hasBody, contentLength);
            if (!hasBody)
            {
                _requestKept = true;
                _requestComplete = true;
            }
            _opened?.TrySetResult(true);
            return true;
        }
    }

    /// <summary>Starts the request's retries when its route (or x-envoy-retry-on) asks for them.</summary>
    private void BeginRetries(IUpstreamCluster cluster, bool hasBody, long contentLength)
    {
        if (Route.Retry is null && Request.Head.Find("x-envoy-retry-on"u8) < 0) return;
        var retry = _retry ?? new RetryState();
        if (!retry.Begin(Route.Retry, Request.Head, cluster))
        {
            _retry = null;
            return;
        }
        _retry = retry;
        if (hasBody) KeepBody(contentLength);
        retry.Body = _kept;
        if (Provider.GenerateRequestId && Request.Head.Find("x-request-id"u8) < 0)
        {
            // Every attempt must carry the same id, so it is made once, on the request itself.
            Span<byte> id = stackalloc byte[36];
            Guid.NewGuid().TryFormat(id, out _);
            Request.Head.AddField("x-request-id"u8, id);
        }
    }

    /// <summary>
    /// The route's mirrors (request_mirror_policies) its runtime_fraction selects get a shadow of the
    /// request, Host suffixed <c>-shadow</c>: at once without a body, else once the whole body is kept
    /// (<see cref="SendShadows"/>, sharing the retry's buffer and its limit). A shadow goes to an
    /// HTTP/1.1 mirror with a Content-Length (trailers are not mirrored), to an HTTP/2 one as a stream.
    /// </summary>
    private void PrepareShadows(bool hasBody, long contentLength)
    {
        if (Route.Mirrors is not { } mirrors) return;
        var head = Request.Head;
        var remote = _connection.Connection.RemoteEndPoint;
        var provider = Provider;
        foreach (var mirror in mirrors)
        {
            if (mirror.Cluster is not { } cluster || !mirror.Sample()) continue;
            var shadow = Route;
            if (mirror.AppendShadowSuffix && RequestMirror.ShadowHost(head, Route.RewrittenHost) is { } host) shadow.RewrittenHost = host;
            var stats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
            var timeout = Route.Timeout;
            Action<ReadOnlyMemory<byte>> send = cluster.HttpOptions.Http2 is { } http2
                ? body => RequestMirror.SendHttp2(cluster, http2, head, shadow, provider, remote, body.ToArray(), timeout, stats)
                : body =>
                {
                    var request = new ArrayBufferWriter<byte>(512 + body.Length);
                    var framing = hasBody ? Http1BodyFraming.OfLength(body.Length) : Http1BodyFraming.None;
                    UpstreamRequestHead.Write(request, head, ref shadow, provider, remote, framing, isUpgrade: false, "http"u8);
                    request.Write(body.Span);
                    RequestMirror.Send(cluster, request.WrittenSpan.ToArray(), timeout, stats);
                };
            (_shadows ??= new List<Action<ReadOnlyMemory<byte>>>(1)).Add(send);
        }
        if (_shadows is null) return;
        if (!hasBody)
        {
            SendShadows();
            return;
        }
        KeepBody(contentLength);
    }

    /// <summary>
    /// Starts keeping the request body (once, for retries and shadows alike), up to the listener's buffer
    /// limit. A body known to be longer is not kept (counted once, as retry_or_shadow_abandoned): it
    /// streams once and is not mirrored.
    /// </summary>
    private void KeepBody(long contentLength)
    {
        if (_kept is not null) return;
        var limit = Provider.Filters.BufferLimit;
        _kept = new KeptRequestBody();
        _kept.Begin(limit);
        if (contentLength > limit)
        {
            _kept.Abandon();
            _stats!.RetryAbandoned.Increment();
        }
    }

    /// <summary>The whole request is kept: each waiting shadow goes out with its own copy of the body, unless it outgrew the limit.</summary>
    private void SendShadows()
    {
        if (_shadows is not { Count: > 0 } shadows) return;
        if (_kept is not { Abandoned: true })
        {
            var body = _kept is { } kept ? kept.Bytes.Written : ReadOnlyMemory<byte>.Empty;
            foreach (var send in shadows) send(body);
        }
        shadows.Clear();
    }

    /// <summary>
    /// Picks a host and opens an attempt on it, retrying connect failures as the policy allows. A first
    /// try sends the head (the request side sends the body); a retry sends the whole kept request.
    /// </summary>
    private async ValueTask<AttemptOpening> OpenAttemptAsync(IUpstreamCluster cluster, bool firstTry, long contentLength, bool hasBody)
    {
        var info = _info!;
        while (true)
        {
            var host = ChooseHost(cluster);
            if (host is null)
            {
                if (firstTry && UseFallback(ResponseFlags.NoHealthyUpstream)) return Fallback();
                info.SetFlag(ResponseFlags.NoHealthyUpstream);
                RecordReply(503, "no healthy upstream"u8.ToArray());
                return AttemptOpening.Failed;
            }
            info.UpstreamHost = host.Address;
            _host = host;
            if (Route.AutoHostRewrite) Route.RewrittenHost = Encoding.ASCII.GetBytes(host.Hostname ?? host.Address.ToString());
            _retry?.NoteAttempt(host);
            var (attempt, failure) = await AcquireAttemptAsync(cluster, host).ConfigureAwait(false);
            if (attempt is null)
            {
                if (failure == UpstreamFailure.Overflow)
                {
                    _host = null;
                    if (firstTry && UseFallback(ResponseFlags.UpstreamOverflow)) return Fallback();
                    RecordConnectFailure(failure);
                    return AttemptOpening.Failed;
                }
                if (_retry?.OnFailure(RetryFailure.ConnectFailure, _stats!) is { } decision)
                {
                    if (decision == RetryDecision.Retry)
                    {
                        await BackOffAsync().ConfigureAwait(false);
                        continue;
                    }
                    NoteRetryRefusal(decision);
                }
                RecordConnectFailure(failure);
                return AttemptOpening.Failed;
            }
            _attempt = attempt;
            info.UpstreamLocalAddress = attempt.LocalAddress;
            _stats!.RequestsTotal.Increment();
            _upstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
            if (firstTry) await SendHeadAsync(attempt, contentLength, hasBody).ConfigureAwait(false);
            else await SendKeptRequestAsync(attempt).ConfigureAwait(false);
            return AttemptOpening.Opened;
        }

        AttemptOpening Fallback()
        {
            ReleaseRequestPlace();
            _retry?.ReleaseRetrySlot();
            return AttemptOpening.Fallback;
        }
    }

    /// <summary>A connection from the host's HTTP/1.1 pool, or a stream on its HTTP/2 pool, as the cluster speaks.</summary>
    private async ValueTask<(StreamAttempt? Attempt, UpstreamFailure Failure)> AcquireAttemptAsync(IUpstreamCluster cluster, IUpstreamHost host)
    {
        if (cluster.HttpOptions.Http2 is { } http2)
        {
            var (stream, result) = await Http2ClientPool.For(cluster, host).AcquireStreamAsync(cluster, host, http2, Provider.Limits.MaxHeaderBytes, Aborted).ConfigureAwait(false);
            return stream is null ? (null, result.Failure) : (new Http2StreamAttempt(host, stream, _exchange!.Token), UpstreamFailure.None);
        }
        var pool = Http1ConnectionPool.For(cluster, host, Provider.Limits);
        var (connection, outcome) = await pool.AcquireAsync(cluster, host, Aborted, Route.Timeout).ConfigureAwait(false);
        return connection is null ? (null, outcome.Failure) : (new Http1StreamAttempt(host, pool, connection, _exchange!.Token), UpstreamFailure.None);
    }

    /// <summary>
    /// The cluster's pick; for a retry with previous_hosts, a host not tried yet: along the hash ring (or
    /// Maglev table) for a hashed request, else another draw.
    /// </summary>
    private IUpstreamHost? ChooseHost(IUpstreamCluster cluster)
    {
        if (_retry is not { Attempts: > 0, AvoidPreviousHosts: true } retry) return cluster.ChooseHost(Route.Hash);
        return cluster.ChooseHostAvoiding(Route.Hash, retry.TriedHosts, retry.HostSelectionRetryMaxAttempts);
    }

    private async ValueTask SendHeadAsync(StreamAttempt attempt, long contentLength, bool hasBody)
    {
        try
        {
            await attempt.SendHeadAsync(Request.Head, ref Route, Provider, _connection.Connection.RemoteEndPoint, contentLength, hasBody).ConfigureAwait(false);
            attempt.HeadSent = true;
        }
        catch (Exception ex) when (IsUpstreamFailure(ex) || (ex is OperationCanceledException && attempt.Dropped.IsCancellationRequested))
        {
            attempt.SendFailed = true;
        }
    }

    /// <summary>A retry: the head again, then the kept body and trailers.</summary>
    private async ValueTask SendKeptRequestAsync(StreamAttempt attempt)
    {
        var body = _kept is { } kept ? kept.Bytes.Written : ReadOnlyMemory<byte>.Empty;
        var trailers = TrailersToSend;
        var hasBody = body.Length > 0 || trailers is not null;
        // With trailers to send, an HTTP/1.1 upstream needs chunked framing to carry them.
        await SendHeadAsync(attempt, trailers is null ? body.Length : -1, hasBody).ConfigureAwait(false);
        if (attempt.SendFailed) return;
        try
        {
            if (body.Length > 0) await attempt.SendBodyAsync(new ReadOnlySequence<byte>(body), endStream: trailers is null).ConfigureAwait(false);
            if (trailers is not null) await attempt.SendTrailersAsync(trailers).ConfigureAwait(false);
            _requestComplete = true;
        }
        catch (Exception ex) when (IsUpstreamFailure(ex) || (ex is OperationCanceledException && attempt.Dropped.IsCancellationRequested))
        {
            attempt.SendFailed = true;
        }
    }

    /// <summary>Body bytes for the upstream: kept while a retry may need them, then sent on the current attempt.</summary>
    private async ValueTask SendBodyUpAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        if (_kept is { Keeping: true } kept && kept.Keep(data)) _stats!.RetryAbandoned.Increment();
        if (endStream)
        {
            _requestKept = true;
            SendShadows();
        }
        if (_attempt is { SendFailed: false } attempt)
        {
            try
            {
                await attempt.SendBodyAsync(data, endStream).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUpstreamFailure(ex) || (ex is OperationCanceledException && attempt.Dropped.IsCancellationRequested))
            {
                // The response side sees the attempt fail; a retry, if any, sends the kept body again.
                attempt.SendFailed = true;
            }
        }
        if (endStream) _requestComplete = true;
    }

    private async ValueTask SendTrailersUpAsync(MessageHead trailers)
    {
        _requestKept = true;
        SendShadows();
        if (_attempt is { SendFailed: false } attempt)
        {
            try
            {
                await attempt.SendTrailersAsync(trailers).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUpstreamFailure(ex) || (ex is OperationCanceledException && attempt.Dropped.IsCancellationRequested))
            {
                attempt.SendFailed = true;
            }
        }
        _requestComplete = true;
    }

    /// <summary>
    /// Acts on a retry decision about the current attempt (null: no retry possible). On a retry the
    /// attempt is dropped and, after the back-off, the whole request goes to a host picked again; when
    /// retries ran out, the route's fallback may take the request.
    /// </summary>
    private async ValueTask<RetryStep> RetryAsync(RetryDecision? decision)
    {
        if (decision is not { } made) return RetryStep.None;
        if (made == RetryDecision.Retry)
        {
            await DropAttemptForRetryAsync().ConfigureAwait(false);
            await BackOffAsync().ConfigureAwait(false);
            return await ResendAsync(Route.Cluster!).ConfigureAwait(false);
        }
        NoteRetryRefusal(made);
        if (made != RetryDecision.LimitExceeded || !UseFallback(ResponseFlags.UpstreamRetryLimitExceeded)) return RetryStep.None;
        await DropAttemptForRetryAsync().ConfigureAwait(false);
        if (Route.Kind != RouteOutcomeKind.Forward || Route.Cluster is not { } fallback)
        {
            RecordReply(Route.Status, Route.Body.Length == 0 ? null : Route.Body);
            return RetryStep.Answered;
        }
        ReleaseRequestPlace();
        _info!.UpstreamCluster = fallback.Name;
        if (!fallback.TryEnterRequest())
        {
            RecordConnectFailure(UpstreamFailure.Overflow);
            return RetryStep.Answered;
        }
        _requestPlace = fallback;
        _stats = UpstreamRequestStats.For(fallback, Provider.Stats.Root);
        return await ResendAsync(fallback).ConfigureAwait(false);
    }

    private async ValueTask<RetryStep> ResendAsync(IUpstreamCluster cluster)
    {
        var opening = await OpenAttemptAsync(cluster, firstTry: false, contentLength: -1, hasBody: false).ConfigureAwait(false);
        return opening == AttemptOpening.Opened ? RetryStep.Resent : RetryStep.Answered;
    }

    /// <summary>Drops the failed attempt; the request side, which has the whole request already, is let finish first.</summary>
    private async ValueTask DropAttemptForRetryAsync()
    {
        _info!.Response = null;
        if (_attempt is { } attempt)
        {
            _attempt = null;
            await attempt.DropAsync().ConfigureAwait(false);
        }
        // Its last send (to the attempt just dropped) fails at once: nothing else is left for it to do.
        if (_requestSide is { } side) await side.ConfigureAwait(false);
    }

    /// <summary>Waits the retry's back-off; a timeout or the client going away meanwhile is thrown.</summary>
    private async ValueTask BackOffAsync()
    {
        var delay = _retry!.NextBackOff();
        if (delay > TimeSpan.Zero) await Task.Delay(delay, _exchange!.Token).ConfigureAwait(false);
        MarkActivity();
    }

    /// <summary>A failure the policy would retry was not retried: say why in the access log.</summary>
    private void NoteRetryRefusal(RetryDecision decision)
    {
        if (decision == RetryDecision.LimitExceeded) _info!.SetFlag(ResponseFlags.UpstreamRetryLimitExceeded);
        else if (decision == RetryDecision.Overflow) _info!.SetFlag(ResponseFlags.UpstreamOverflow);
    }

    /// <summary>
    /// Stops the request side (the response is over, or the stream ends) and waits for it. A request side
    /// blocked on the upstream (no window) is freed by dropping the attempt.
    /// </summary>
    private async ValueTask StopRequestSideAsync()
    {
        if (_requestSide is not { } side) return;
        // A side that recorded a reply is ending by itself (and may be the caller, down the stack of
        // the cancellation it caused): cancelling its token would cut short the encoders that send that
        // reply.
        if (!side.IsCompleted && _replyStatus == 0)
        {
            try
            {
                _requestStop?.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            // Only a side still sending may be blocked on the upstream; one that sent everything is only
            // giving window back, and its attempt may still be reused.
            if (!side.IsCompleted && !_requestComplete && _attempt is { } attempt)
            {
                _attempt = null;
                await attempt.DropAsync().ConfigureAwait(false);
            }
        }
        try
        {
            await side.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // RunRequestSideAsync handles its own failures; nothing is left to learn here.
        }
        _requestSide = null;
    }

    /// <summary>The route's cluster cannot take the request: its <c>junction_fallback</c> (used once) takes over.</summary>
    private bool UseFallback(ResponseFlags reason) => RouteFallbackSwitch.TryApply(ref Route, _info!, Provider.Stats.Root, reason);
}
