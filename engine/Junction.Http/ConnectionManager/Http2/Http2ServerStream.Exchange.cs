using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Http.Http2;
using Junction.Http.Upstream;
using Junction.HttpFilters;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

internal sealed partial class Http2ServerStream
{
    private HttpStreamInfo? _info;
    private bool _headSent;
    // The cluster whose max_requests place the stream holds, given back when it ends.
    private IUpstreamCluster? _requestPlace;
    // The host the stream went to, told how it went (outlier detection) when the stream ends.
    private IUpstreamHost? _host;

    private HttpConnectionManagerProvider Provider => _connection.Provider;

    /// <summary>
    /// Routes the request and forwards it: request head and body to an HTTP/1.1 upstream from the
    /// host's pool, then the response back as HEADERS, DATA and trailers. Failures before the response
    /// head get Envoy's local replies; after it, only a reset can tell the client.
    /// </summary>
    private async Task RunAsync()
    {
        var info = BeginStream();
        Http1UpstreamConnection? upstream = null;
        Http1ConnectionPool? pool = null;
        var reusable = false;
        try
        {
            Route = Provider.Route(Request.Head, info.DownstreamRemoteAddress);
            info.Route = Route.RouteName;
            IUpstreamCluster cluster;
            Http1UpstreamConnection? acquired;
            // Once more at most: a junction_fallback may send the request to another cluster.
            while (true)
            {
                switch (Route.Kind)
                {
                    case RouteOutcomeKind.NoRoute:
                        Provider.Stats.NoRoute.Increment();
                        info.SetFlag(ResponseFlags.NoRouteFound);
                        await LocalReplyAsync(404, null).ConfigureAwait(false);
                        return;
                    case RouteOutcomeKind.NoCluster:
                        Provider.Stats.NoCluster.Increment();
                        info.SetFlag(ResponseFlags.NoClusterFound);
                        await LocalReplyAsync(503, null).ConfigureAwait(false);
                        return;
                    case RouteOutcomeKind.DirectResponse:
                        await LocalReplyAsync(Route.Status, Route.Body.Length == 0 ? null : Route.Body).ConfigureAwait(false);
                        return;
                    case RouteOutcomeKind.Redirect:
                        await LocalReplyAsync(Route.Status, null, Route.Location).ConfigureAwait(false);
                        return;
                }

                cluster = Route.Cluster!;
                info.UpstreamCluster = cluster.Name;
                if (!cluster.TryEnterRequest())
                {
                    // max_requests are in flight.
                    if (UseFallback(ResponseFlags.UpstreamOverflow)) continue;
                    await ConnectFailedAsync(UpstreamFailure.Overflow).ConfigureAwait(false);
                    return;
                }
                _requestPlace = cluster;
                if (cluster.ChooseHost(Route.Hash) is not { } host)
                {
                    ReleaseRequestPlace();
                    if (UseFallback(ResponseFlags.NoHealthyUpstream)) continue;
                    info.SetFlag(ResponseFlags.NoHealthyUpstream);
                    await LocalReplyAsync(503, "no healthy upstream"u8.ToArray()).ConfigureAwait(false);
                    return;
                }
                info.UpstreamHost = host.Address;
                _host = host;
                if (Route.AutoHostRewrite) Route.RewrittenHost = Encoding.ASCII.GetBytes(host.Hostname ?? host.Address.ToString());
                if (cluster.HttpOptions.Http2 is { } http2)
                {
                    await ForwardOverHttp2Async(cluster, host, http2, info).ConfigureAwait(false);
                    return;
                }
                pool = Http1ConnectionPool.For(cluster, host, Provider.Limits);
                (acquired, var result) = await pool.AcquireAsync(cluster, host, Aborted, Route.Timeout).ConfigureAwait(false);
                if (acquired is not null) break;
                if (result.Failure == UpstreamFailure.Overflow)
                {
                    ReleaseRequestPlace();
                    _host = null;
                    if (UseFallback(ResponseFlags.UpstreamOverflow)) continue;
                }
                await ConnectFailedAsync(result.Failure).ConfigureAwait(false);
                return;
            }
            upstream = acquired;
            info.UpstreamLocalAddress = upstream.Upstream.Connection.LocalEndPoint;

            var framing = Request.ContentLength >= 0 ? Http1BodyFraming.OfLength(Request.ContentLength)
                : _body is null ? Http1BodyFraming.None : Http1BodyFraming.Chunked;
            UpstreamRequestHead.Write(upstream.Output, Request.Head, ref Route, Provider, _connection.Connection.RemoteEndPoint, framing, isUpgrade: false, "http"u8);
            var stats = UpstreamRequestStats.For(cluster, Provider.Stats.Root);
            stats.RequestsTotal.Increment();
            var upstreamStart = System.Diagnostics.Stopwatch.GetTimestamp();
            await upstream.Output.FlushAsync(Aborted).ConfigureAwait(false);
            if (_body is { } body) await ForwardBodyAsync(body.Reader, upstream.Output, framing).ConfigureAwait(false);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
            if (ExchangeDeadline.Remaining(Route, Request.Head, info.StartTimestamp) is { } limit) timeout.CancelAfter(limit);
            var head = upstream.Response;
            upstream.Requests++;
            info.Response = head;
            if (!await ReadResponseHeadAsync(upstream, head, timeout.Token).ConfigureAwait(false))
            {
                await UpstreamFailedAsync(ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
                return;
            }
            var responseFraming = Http1Framing.ForResponse(in head.Framing, head.Version, head.StatusCode, Request.Head.Method);
            if (responseFraming.Kind is Http1BodyKind.Reject or Http1BodyKind.Tunnel)
            {
                await UpstreamFailedAsync(ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
                return;
            }
            info.SetResponseCode(head.StatusCode);
            stats.CountResponse(head.StatusCode);
            var contentLength = responseFraming.Kind == Http1BodyKind.ContentLength ? responseFraming.ContentLength
                : responseFraming.Kind == Http1BodyKind.None && head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None ? head.Framing.ContentLength
                : -1;
            var noBody = responseFraming.Kind == Http1BodyKind.None;
            _headSent = true;
            if (!await _connection.WriteResponseHeadAsync(this, head.StatusCode, head, contentLength, null, endStream: noBody).ConfigureAwait(false))
            {
                info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                return;
            }
            if (!noBody && !await RelayResponseBodyAsync(upstream, responseFraming, timeout.Token).ConfigureAwait(false)) return;
            ResponseComplete = true;
            stats.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(upstreamStart).TotalMilliseconds);
            reusable = !head.WantsClose && responseFraming.Kind != Http1BodyKind.CloseDelimited;
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The client reset the stream or the connection went away.
            info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        }
        catch (OperationCanceledException)
        {
            // The route timeout.
            await UpstreamFailedAsync(ResponseFlags.UpstreamRequestTimeout).ConfigureAwait(false);
        }
        catch (Http1ParseException)
        {
            await UpstreamFailedAsync(ResponseFlags.UpstreamProtocolError).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or InvalidOperationException or IOException)
        {
            await UpstreamFailedAsync(ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
        finally
        {
            // End (log, report) first: both read the response head, which belongs to the upstream
            // connection and is overwritten once another request reuses it.
            EndStream(info);
            if (upstream is not null)
            {
                if (!reusable) upstream.Abort();
                await pool!.ReleaseAsync(upstream, reusable).ConfigureAwait(false);
            }
        }
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
        ReleaseRequestPlace();
        Http1ServerConnection.ReportUpstreamOutcome(_host, info);
        Provider.Stats.RequestsActive.Decrement();
        Provider.Stats.CountResponse(info.ResponseCode);
        info.MarkEnded();
        Provider.Stats.RequestTime.Record(info.Duration.TotalMilliseconds);
        if (Provider.AccessLog.IsEnabled) Provider.AccessLog.Log(info);
        // Body bytes the client sent that were never forwarded: their window goes back to the connection.
        var unread = CloseBody();
        if (unread > 0) _ = _connection.ReturnConnectionWindowAsync((int)unread).AsTask();
        _body?.Reader.Complete();
        _connection.RemoveStream(this);
        _aborted.Dispose();
    }

    private async Task RunLocalReplyAsync(int status)
    {
        var info = BeginStream();
        try
        {
            info.TerminationDetails = "request_headers_too_large";
            await LocalReplyAsync(status, null).ConfigureAwait(false);
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

    /// <summary>Copies the request body from the stream's pipe to the upstream, granting the client window as it goes.</summary>
    private async ValueTask ForwardBodyAsync(PipeReader body, PipeWriter output, Http1BodyFraming framing)
    {
        var chunked = framing.Kind == Http1BodyKind.Chunked;
        while (true)
        {
            var read = await body.ReadAsync(Aborted).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var length = (int)buffer.Length;
            if (length > 0)
            {
                if (chunked)
                {
                    output.WriteHex(length);
                    output.Write("\r\n"u8);
                }
                foreach (var segment in buffer) output.Write(segment.Span);
                if (chunked) output.Write("\r\n"u8);
            }
            body.AdvanceTo(buffer.End);
            if (read.IsCompleted && chunked)
            {
                output.Write("0\r\n"u8);
                if (RequestTrailers is { } trailers)
                {
                    for (var i = 0; i < trailers.FieldCount; i++)
                    {
                        if (!trailers.Field(i).Dropped) output.WriteField(trailers.Name(i), trailers.Value(i));
                    }
                }
                output.Write("\r\n"u8);
            }
            var flush = await output.FlushAsync(Aborted).ConfigureAwait(false);
            if (flush.IsCompleted) throw new IOException("the upstream stopped reading the request");
            // Only now that the upstream took them may the client send as many bytes again.
            if (length > 0)
            {
                NoteBodyForwarded(length);
                await _connection.OnBodyConsumedAsync(this, length).ConfigureAwait(false);
            }
            if (read.IsCompleted) return;
        }
    }

    /// <summary>Parses the status line and fields, skipping interim responses; false when the upstream closed first.</summary>
    private static async ValueTask<bool> ReadResponseHeadAsync(Http1UpstreamConnection upstream, MessageHead head, CancellationToken token)
    {
        var statusLineDone = false;
        head.Reset();
        var input = upstream.Input;
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var done = Http1ServerConnection.ParseResponseHead(buffer, upstream.Parser, head, ref statusLineDone, out var consumed);
            input.AdvanceTo(buffer.GetPosition(consumed), done ? buffer.GetPosition(consumed) : buffer.End);
            if (done)
            {
                if (head.StatusCode is >= 100 and < 200)
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

    /// <summary>Relays the response body as DATA frames (and trailers); false when it could not complete.</summary>
    private async ValueTask<bool> RelayResponseBodyAsync(Http1UpstreamConnection upstream, Http1BodyFraming framing, CancellationToken token)
    {
        var input = upstream.Input;
        var remaining = framing.ContentLength;
        MessageHead? trailers = null;
        using var piece = new HttpBody();
        if (framing.Kind == Http1BodyKind.Chunked)
        {
            upstream.Chunked.Reset();
            trailers = new MessageHead();
        }
        while (true)
        {
            var read = await input.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            bool complete;
            switch (framing.Kind)
            {
                case Http1BodyKind.ContentLength:
                    var take = Math.Min(remaining, buffer.Length);
                    remaining -= take;
                    complete = remaining == 0;
                    if (!await SendAsync(buffer.Slice(0, take), complete && true, token).ConfigureAwait(false)) return Fail(upstream);
                    input.AdvanceTo(buffer.GetPosition(take));
                    break;
                case Http1BodyKind.Chunked:
                    piece.Clear();
                    complete = ChunkedBodyReader.DecodeInto(buffer, upstream.Chunked, piece, trailers!, out var consumed);
                    input.AdvanceTo(buffer.GetPosition(consumed), complete ? buffer.GetPosition(consumed) : buffer.End);
                    var endsHere = complete && trailers!.FieldCount == 0;
                    if ((piece.Length > 0 || endsHere) && !await SendAsync(new ReadOnlySequence<byte>(piece.Memory), endsHere, token).ConfigureAwait(false)) return Fail(upstream);
                    if (complete && trailers!.FieldCount > 0 && !await _connection.WriteTrailersAsync(this, trailers).ConfigureAwait(false)) return Fail(upstream);
                    break;
                default:
                    complete = read.IsCompleted;
                    if (!await SendAsync(buffer, complete, token).ConfigureAwait(false)) return Fail(upstream);
                    input.AdvanceTo(buffer.End);
                    break;
            }
            if (complete) return true;
            if (read.IsCompleted)
            {
                // The upstream ended inside the body: the client must not take it for a whole one.
                _info!.SetFlag(ResponseFlags.UpstreamRemoteReset);
                await _connection.ResetStreamAsync(Id, Http2ErrorCode.InternalError).ConfigureAwait(false);
                return false;
            }
        }
    }

    private ValueTask<bool> SendAsync(ReadOnlySequence<byte> data, bool endStream, CancellationToken token) =>
        data.IsEmpty && !endStream ? ValueTask.FromResult(true) : _connection.WriteDataAsync(this, data, endStream, token);

    private bool Fail(Http1UpstreamConnection upstream)
    {
        _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        upstream.Abort();
        return false;
    }

    private ValueTask ConnectFailedAsync(UpstreamFailure failure)
    {
        switch (failure)
        {
            case UpstreamFailure.PendingTimeout:
                _info!.SetFlag(ResponseFlags.UpstreamRequestTimeout);
                return LocalReplyAsync(504, "upstream request timeout"u8.ToArray());
            case UpstreamFailure.Overflow:
                _info!.SetFlag(ResponseFlags.UpstreamOverflow);
                return LocalReplyAsync(503, "upstream connect error or disconnect/reset before headers. reset reason: overflow"u8.ToArray());
            default:
                _info!.SetFlag(ResponseFlags.UpstreamConnectionFailure);
                return LocalReplyAsync(503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray());
        }
    }

    /// <summary>The upstream failed: Envoy's local reply before the response head went out, a reset after.</summary>
    private async ValueTask UpstreamFailedAsync(ResponseFlags flag)
    {
        _info!.SetFlag(flag);
        if (_headSent)
        {
            await _connection.ResetStreamAsync(Id, Http2ErrorCode.InternalError).ConfigureAwait(false);
            return;
        }
        var (status, body) = flag switch
        {
            ResponseFlags.UpstreamRequestTimeout => (504, "upstream request timeout"u8.ToArray()),
            ResponseFlags.UpstreamProtocolError => (502, "upstream sent an invalid response"u8.ToArray()),
            _ => (503, "upstream connect error or disconnect/reset before headers. reset reason: connection termination"u8.ToArray()),
        };
        await LocalReplyAsync(status, body).ConfigureAwait(false);
    }

    /// <summary>Answers from the proxy: HEADERS (and DATA with the body), ending the stream.</summary>
    private async ValueTask LocalReplyAsync(int status, ReadOnlyMemory<byte>? body, string? location = null)
    {
        Provider.Stats.LocalReplies.Increment();
        _headSent = true;
        if (IsGrpcRequest())
        {
            await GrpcLocalReplyAsync(status, body).ConfigureAwait(false);
            return;
        }
        _info!.SetResponseCode(status);
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
        ResponseComplete = true;
        // A request body the proxy will not read: tell the client to stop sending it.
        if (!RemoteEnded) await _connection.ResetStreamAsync(Id, Http2ErrorCode.NoError).ConfigureAwait(false);
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
        head.AddField("grpc-status"u8, System.Text.Encoding.ASCII.GetBytes(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var message = body is { Length: > 0 } text ? text.Span : ReasonPhrases.For(httpStatus);
        // grpc-message is percent-encoded; the proxy's own messages are plain ASCII, printable and safe.
        head.AddField("grpc-message"u8, message);
        if (!await _connection.WriteResponseHeadAsync(this, 200, head, -1, null, endStream: true).ConfigureAwait(false)) return;
        ResponseComplete = true;
        if (!RemoteEnded) await _connection.ResetStreamAsync(Id, Http2ErrorCode.NoError).ConfigureAwait(false);
    }

    private void ReleaseRequestPlace()
    {
        _requestPlace?.ExitRequest();
        _requestPlace = null;
    }

    /// <summary>The route's cluster cannot take the request: its <c>junction_fallback</c> (used once) takes over.</summary>
    private bool UseFallback(ResponseFlags reason) => RouteFallbackSwitch.TryApply(ref Route, _info!, Provider.Stats.Root, reason);
}
