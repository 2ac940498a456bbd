using System.Buffers;
using System.Text;
using Junction.AccessLog;
using Junction.Http.ConnectionManager.Filters;
using Junction.Http.Http1;
using Junction.Http.Http2;
using Junction.Http.Upstream;
using Junction.Http.Upstream.Http2;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// The exchange of one stream, in two tasks that may run at once (gRPC streams both ways): the
/// request side (<c>.Request.cs</c>) takes the request through the decoder filters, routes it, opens
/// an attempt on an upstream host and sends the body up; the response side (this file) waits for the
/// attempt's response, retries when the policy says so, and relays the response through the encoder
/// filters to the client.
/// </summary>
/// <remarks>
/// Only the response side writes to the client. When the request side must answer the stream itself
/// (no route, no healthy host, a filter's local reply, a body too large to buffer) it records the reply
/// (<see cref="RecordReply"/>) and cancels the exchange; the stream's task sends it once both sides stopped.
/// </remarks>
internal sealed partial class Http2ServerStream
{
    private HttpStreamInfo? _info;
    private bool _headSent;
    // The cluster whose max_requests place the stream holds, given back when it ends.
    private IUpstreamCluster? _requestPlace;
    // The host the stream went to, told how it went (outlier detection) when the stream ends.
    private IUpstreamHost? _host;
    private StreamAttempt? _attempt;
    private UpstreamRequestStats? _stats;
    private long _upstreamStart;
    // Completed with true once an attempt is on its way, false when the request side ended without one.
    private TaskCompletionSource<bool>? _opened;
    private Task? _requestSide;
    // Cancelled by the route timeout, or by the request side when it records a reply.
    private CancellationTokenSource? _exchange;
    // Stops the request side once the response is complete and the request body is no longer wanted.
    private CancellationTokenSource? _requestStop;
    // The attempt whose response was relayed whole, given back once the stream has ended (its response
    // head is read by the access log and outlier detection until then, and a reused connection rewrites it).
    private StreamAttempt? _finished;
    private bool _finishedReusable;
    private volatile bool _resetSent;
    private int _replyStatus;
    private ReadOnlyMemory<byte>? _replyBody;
    private string? _replyLocation;
    private bool _replySkipsFilters;

    private HttpConnectionManagerProvider Provider => _connection.Provider;

    /// <summary>Routes the request, forwards it and relays the response; whatever happens, the stream ends here.</summary>
    private async Task RunAsync()
    {
        var info = BeginStream();
        _exchange = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
        var filtered = !Provider.Filters.IsEmpty;
        // Only a request side that outlives the opening (a body, filters) needs its own stop. Not linked
        // to the exchange: a reply recorded by the request side must not cut short the encoders that
        // then run on it (they share this token).
        if (filtered || _body is not null) _requestStop = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
        try
        {
            RouteRequest();
            bool opened;
            if (filtered)
            {
                // The decoders decide when the request is routed and opened (they may hold it): the
                // request side runs on its own and says when an attempt is out.
                BeginFilters(info);
                _opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _requestSide = RunRequestSideAsync();
                opened = await _opened.Task.ConfigureAwait(false);
            }
            else
            {
                // Opened here; only the body (if any) goes up on a task of its own.
                opened = await OpenAsync(Request.ContentLength, _body is not null).ConfigureAwait(false);
                if (opened && _body is not null) _requestSide = RunRequestSideAsync();
            }
            if (opened) await RespondAsync(info).ConfigureAwait(false);
            await StopRequestSideAsync().ConfigureAwait(false);
            if (_replyStatus != 0) await SendRecordedReplyAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The client reset the stream or the connection went away.
            info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        }
        finally
        {
            await StopRequestSideAsync().ConfigureAwait(false);
            if (_attempt is { } attempt)
            {
                _attempt = null;
                await attempt.DropAsync().ConfigureAwait(false);
            }
            // Whatever went wrong, the client is never left waiting on a stream nobody answers.
            if (!ResponseComplete && !_resetSent && !Aborted.IsCancellationRequested)
            {
                try
                {
                    await ResetAsync(Http2ErrorCode.InternalError).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
                {
                }
            }
            EndStream(info);
            if (_finished is { } finished) await finished.CompleteAsync(_finishedReusable).ConfigureAwait(false);
        }
    }

    private void RouteRequest()
    {
        Route = Provider.Route(Request.Head, _info!.DownstreamRemoteAddress);
        _info.Route = Route.RouteName;
        _routed = true;
    }

    /// <summary>
    /// Waits for the attempt's response head (retrying as the policy allows), then relays the response.
    /// Failures before the head went out get Envoy's local replies; after it, only a reset can tell the client.
    /// </summary>
    private async ValueTask RespondAsync(HttpStreamInfo info)
    {
        var exchange = _exchange!;
        if (ExchangeDeadline.Remaining(Route, Request.Head, info.StartTimestamp) is { } limit) exchange.CancelAfter(limit);
        StreamAttempt attempt;
        bool hasBody;
        long contentLength;
        try
        {
            while (true)
            {
                attempt = _attempt!;
                var (headRead, perTryExpired) = await ReadAttemptHeadAsync(attempt, exchange.Token).ConfigureAwait(false);
                if (!headRead)
                {
                    if (perTryExpired) _stats!.PerTryTimeouts.Increment();
                    else _stats!.ResetsBeforeResponse.Increment();
                    var next = await RetryAsync(ActiveRetry?.OnFailure(RetryFailure.Reset, _stats!)).ConfigureAwait(false);
                    if (next == RetryStep.Resent) continue;
                    if (next == RetryStep.Answered) return;
                    await UpstreamFailedAsync(perTryExpired ? ResponseFlags.UpstreamRequestTimeout : ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
                    return;
                }
                if (!attempt.AcceptResponse(Request.Head.Method, out contentLength, out hasBody))
                {
                    await UpstreamFailedAsync(ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
                    return;
                }
                _stats!.CountResponse(attempt.Response.StatusCode);
                var step = await RetryAsync(ActiveRetry?.OnResponse(attempt.Response, _stats)).ConfigureAwait(false);
                if (step == RetryStep.Resent) continue;
                if (step == RetryStep.Answered) return;
                break;
            }

            var head = attempt.Response;
            info.Response = head;
            info.SetResponseCode(head.StatusCode);
            var grpc = IsGrpc(head);
            // A gRPC stream may run as long as the call does: past its head only max_stream_duration bounds it.
            if (grpc) exchange.CancelAfter(ExchangeDeadline.StreamLimit(Route, Request.Head, info.StartTimestamp) ?? Timeout.InfiniteTimeSpan);
            var relayed = _filters is { } chain
                ? await EncodeResponseAsync(chain, attempt, contentLength, hasBody, exchange.Token).ConfigureAwait(false)
                : await RelayResponseAsync(attempt, contentLength, hasBody, exchange.Token).ConfigureAwait(false);
            if (!relayed) return;
            ResponseComplete = true;
            _stats.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(_upstreamStart).TotalMilliseconds);
            if (grpc && GrpcStatus(attempt) is { } grpcStatus) _stats.CountGrpc(Request.Head.Target, grpcStatus);
            // The response is whole: a request body still coming is not wanted any more (RFC 9113 §8.1).
            await StopRequestSideAsync().ConfigureAwait(false);
            if (!RemoteEnded) await ResetAsync(Http2ErrorCode.NoError).ConfigureAwait(false);
            // Stopping the request side may have dropped the attempt (it was blocked on the upstream).
            if (_attempt == attempt)
            {
                _attempt = null;
                _finished = attempt;
                _finishedReusable = _requestComplete && !attempt.SendFailed;
            }
        }
        catch (OperationCanceledException) when (_replyStatus != 0 && !Aborted.IsCancellationRequested)
        {
            // The request side answered the stream itself (a filter's local reply): it sends that.
        }
        catch (OperationCanceledException) when (!Aborted.IsCancellationRequested)
        {
            _stats?.Timeouts.Increment();
            await UpstreamFailedAsync(ResponseFlags.UpstreamRequestTimeout).ConfigureAwait(false);
        }
        catch (Http1ParseException)
        {
            await UpstreamFailedAsync(ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUpstreamFailure(ex))
        {
            await UpstreamFailedAsync(ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the attempt's response head, within the route's per_try_timeout when it has one. HeadRead is
    /// false when the upstream closed or reset first, or the per-try timeout passed (PerTryExpired).
    /// </summary>
    private async ValueTask<(bool HeadRead, bool PerTryExpired)> ReadAttemptHeadAsync(StreamAttempt attempt, CancellationToken token)
    {
        // A head that never went out gets no answer: the attempt failed as it started.
        if (!attempt.HeadSent) return (false, false);
        CancellationTokenSource? perTry = null;
        if (Route.Retry?.PerTryTimeout is { } limit)
        {
            perTry = CancellationTokenSource.CreateLinkedTokenSource(token);
            perTry.CancelAfter(limit);
        }
        try
        {
            return (await attempt.ReadHeadAsync(perTry?.Token ?? token).ConfigureAwait(false), false);
        }
        catch (Exception ex) when (IsUpstreamFailure(ex))
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

    /// <summary>The response without filters: HEADERS, then DATA as the body arrives, then trailers.</summary>
    private async ValueTask<bool> RelayResponseAsync(StreamAttempt attempt, long contentLength, bool hasBody, CancellationToken token)
    {
        var head = attempt.Response;
        _headSent = true;
        if (!await _connection.WriteResponseHeadAsync(this, head.StatusCode, head, contentLength, null, endStream: !hasBody).ConfigureAwait(false))
        {
            _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            return false;
        }
        if (!hasBody) return true;
        while (true)
        {
            var piece = await attempt.ReadBodyAsync(token).ConfigureAwait(false);
            MarkActivity();
            if (piece.Truncated) return await ResponseTruncatedAsync().ConfigureAwait(false);
            var trailers = piece.Complete ? attempt.ResponseTrailers : null;
            var end = piece.Complete && trailers is null;
            if ((!piece.Data.IsEmpty || end) && !await _connection.WriteDataAsync(this, piece.Data, end, Aborted).ConfigureAwait(false))
            {
                _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                return false;
            }
            await attempt.ConsumeBodyAsync().ConfigureAwait(false);
            MarkActivity();
            if (!piece.Complete) continue;
            if (trailers is not null && !await _connection.WriteTrailersAsync(this, trailers).ConfigureAwait(false))
            {
                _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                return false;
            }
            return true;
        }
    }

    /// <summary>Resets the stream (RST_STREAM with <paramref name="code"/>), noting that it was.</summary>
    private ValueTask ResetAsync(Http2ErrorCode code)
    {
        _resetSent = true;
        return _connection.ResetStreamAsync(Id, code);
    }

    /// <summary>The upstream ended inside the body: the client must not take it for a whole one.</summary>
    private async ValueTask<bool> ResponseTruncatedAsync()
    {
        _info!.SetFlag(ResponseFlags.UpstreamRemoteReset);
        await ResetAsync(Http2ErrorCode.InternalError).ConfigureAwait(false);
        return false;
    }

    private HttpStreamInfo BeginStream()
    {
        var connection = _connection.Connection;
        var info = new HttpStreamInfo(connection.RemoteEndPoint, connection.LocalEndPoint, Request.Head, null) { DownstreamProtocol = "HTTP/2" };
        // The client per x-forwarded-for and xff_num_trusted_hops, as for HTTP/1.1 (ForwardedFor).
        if (!(Provider.UseRemoteAddress && Provider.XffNumTrustedHops == 0) &&
            ForwardedFor.FindClient(Request.Head, Provider.XffNumTrustedHops, Provider.UseRemoteAddress) is { } client)
        {
            info.DownstreamRemoteAddress = new System.Net.IPEndPoint(client, 0);
        }
        _info = info;
        Provider.Stats.RequestsTotal.Increment();
        Provider.Stats.RequestsActive.Increment();
        StartIdleTimer();
        return info;
    }

    private void EndStream(HttpStreamInfo info)
    {
        _idleTimer?.Dispose();
        _retry?.End();
        _kept?.End();
        ReleaseRequestPlace();
        Http1ServerConnection.ReportUpstreamOutcome(_host, info);
        Provider.Stats.RequestsActive.Decrement();
        Provider.Stats.CountResponse(info.ResponseCode);
        info.MarkEnded();
        Provider.Stats.RequestTime.Record(info.Duration.TotalMilliseconds);
        if (Provider.AccessLog.IsEnabled) Provider.AccessLog.Log(info);
        EndFilters();
        // Body bytes the client sent that were never forwarded: their window goes back to the connection.
        var unread = CloseBody();
        if (unread > 0) _ = _connection.ReturnConnectionWindowAsync((int)unread).AsTask();
        _body?.Reader.Complete();
        _connection.RemoveStream(this);
        _exchange?.Dispose();
        _requestStop?.Dispose();
        _aborted.Dispose();
    }

    private async Task RunLocalReplyAsync(int status)
    {
        var info = BeginStream();
        try
        {
            info.TerminationDetails = "request_headers_too_large";
            await LocalReplyAsync(status, null, skipFilters: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        }
        finally
        {
            EndStream(info);
        }
    }

    /// <summary>
    /// The request side answers the stream itself: what to send is kept for the stream's task, and the
    /// response side (if it is waiting for an upstream) is stopped.
    /// </summary>
    private void RecordReply(int status, ReadOnlyMemory<byte>? body, string? location = null, bool skipFilters = false)
    {
        if (_replyStatus != 0) return;
        _replyBody = body;
        _replyLocation = location;
        _replySkipsFilters = skipFilters;
        _replyStatus = status;
        try
        {
            _exchange?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async ValueTask SendRecordedReplyAsync()
    {
        if (_attempt is { } attempt)
        {
            _attempt = null;
            _info!.Response = null;
            await attempt.DropAsync().ConfigureAwait(false);
        }
        if (_headSent)
        {
            // Too late to answer: part of a response went out already.
            if (!ResponseComplete) await ResetAsync(Http2ErrorCode.InternalError).ConfigureAwait(false);
            return;
        }
        await LocalReplyAsync(_replyStatus, _replyBody, _replyLocation, _replySkipsFilters).ConfigureAwait(false);
    }

    private void RecordConnectFailure(UpstreamFailure failure)
    {
        switch (failure)
        {
            case UpstreamFailure.PendingTimeout:
                _info!.SetFlag(ResponseFlags.UpstreamRequestTimeout);
                RecordReply(504, "upstream request timeout"u8.ToArray());
                break;
            case UpstreamFailure.Overflow:
                _info!.SetFlag(ResponseFlags.UpstreamOverflow);
                RecordReply(503, "upstream connect error or disconnect/reset before headers. reset reason: overflow"u8.ToArray());
                break;
            default:
                _info!.SetFlag(ResponseFlags.UpstreamConnectionFailure);
                RecordReply(503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray());
                break;
        }
    }

    /// <summary>The upstream failed: Envoy's local reply before the response head went out, a reset after.</summary>
    private async ValueTask UpstreamFailedAsync(ResponseFlags flag)
    {
        _info!.SetFlag(flag);
        _info.Response = null;
        if (_attempt is { } attempt)
        {
            _attempt = null;
            await attempt.DropAsync().ConfigureAwait(false);
        }
        if (_headSent)
        {
            await ResetAsync(Http2ErrorCode.InternalError).ConfigureAwait(false);
            return;
        }
        var (status, body) = flag switch
        {
            ResponseFlags.UpstreamRequestTimeout => (504, "upstream request timeout"u8.ToArray()),
            ResponseFlags.UpstreamProtocolError => (502, "upstream sent an invalid response"u8.ToArray()),
            _ => (503, "upstream connect error or disconnect/reset before headers. reset reason: connection termination"u8.ToArray()),
        };
        // Encoders that already saw part of this response (and may hold it) do not see the reply, as on HTTP/1.1.
        await LocalReplyAsync(status, body, skipFilters: _filters?.EncodingStarted == true).ConfigureAwait(false);
    }

    /// <summary>Answers from the proxy: HEADERS (and DATA with the body), through the encoder filters unless told not to.</summary>
    private async ValueTask LocalReplyAsync(int status, ReadOnlyMemory<byte>? body, string? location = null, bool skipFilters = false)
    {
        Provider.Stats.LocalReplies.Increment();
        if (IsGrpcRequest())
        {
            _headSent = true;
            await GrpcLocalReplyAsync(status, body).ConfigureAwait(false);
            return;
        }
        _info!.SetResponseCode(status);
        if (_filters is { } chain && !skipFilters)
        {
            await FilteredLocalReplyAsync(chain, status, body, location).ConfigureAwait(false);
            return;
        }
        _headSent = true;
        MessageHead? head = null;
        if (location is not null)
        {
            head = new MessageHead();
            head.AddField("location"u8, Encoding.ASCII.GetBytes(location));
        }
        var isHead = Request.Head.Method == Http1Method.Head;
        var length = body?.Length ?? 0;
        var hasBody = length > 0 && !isHead;
        if (!await _connection.WriteResponseHeadAsync(this, status, head, length, length > 0 ? "text/plain" : null, endStream: !hasBody).ConfigureAwait(false)) return;
        if (hasBody) await _connection.WriteDataAsync(this, new ReadOnlySequence<byte>(body!.Value), endStream: true, Aborted).ConfigureAwait(false);
        await LocalReplySentAsync().ConfigureAwait(false);
    }

    /// <summary>A local reply went out whole: a request body the proxy will not read is refused (RST_STREAM NO_ERROR).</summary>
    private async ValueTask LocalReplySentAsync()
    {
        ResponseComplete = true;
        if (!RemoteEnded) await ResetAsync(Http2ErrorCode.NoError).ConfigureAwait(false);
    }

    private bool IsGrpcRequest()
    {
        var index = Request.Head.Find("content-type"u8);
        return index >= 0 && Request.Head.Value(index).StartsWith("application/grpc"u8);
    }

    /// <summary>
    /// A local reply to a gRPC call is gRPC-shaped, as Envoy makes it: HTTP 200 with the status mapped to a
    /// grpc-status (and the reason as grpc-message) in a trailers-only response, so gRPC clients see a
    /// call status instead of a protocol error.
    /// </summary>
    private async ValueTask GrpcLocalReplyAsync(int httpStatus, ReadOnlyMemory<byte>? body)
    {
        var grpcStatus = httpStatus switch
        {
            400 => 13, // INTERNAL
            401 => 16, // UNAUTHENTICATED
            403 => 7, // PERMISSION_DENIED
            404 => 12, // UNIMPLEMENTED
            429 or 502 or 503 or 504 => 14, // UNAVAILABLE
            _ => 2, // UNKNOWN
        };
        _info!.SetResponseCode(200);
        var head = new MessageHead();
        head.AddField("content-type"u8, "application/grpc"u8);
        head.AddField("grpc-status"u8, Encoding.ASCII.GetBytes(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var message = body is { Length: > 0 } text ? text.Span : ReasonPhrases.For(httpStatus);
        // grpc-message is percent-encoded; the proxy's own messages are plain ASCII, printable and safe.
        head.AddField("grpc-message"u8, message);
        if (!await _connection.WriteResponseHeadAsync(this, 200, head, -1, null, endStream: true).ConfigureAwait(false)) return;
        await LocalReplySentAsync().ConfigureAwait(false);
    }

    /// <summary>The call's grpc-status: from the trailers, or from the head of a trailers-only response.</summary>
    private static int? GrpcStatus(StreamAttempt attempt)
    {
        var source = attempt.ResponseTrailers ?? attempt.Response;
        var index = source.Find("grpc-status"u8);
        return index >= 0 && int.TryParse(source.Value(index), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status) ? status : null;
    }

    private static bool IsGrpc(MessageHead head)
    {
        var index = head.Find("content-type"u8);
        return index >= 0 && head.Value(index).StartsWith("application/grpc"u8);
    }

    /// <summary>What an upstream's failure looks like on either kind of attempt.</summary>
    private static bool IsUpstreamFailure(Exception ex) =>
        ex is Http2StreamResetException or IOException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private void ReleaseRequestPlace()
    {
        _requestPlace?.ExitRequest();
        _requestPlace = null;
    }
}
