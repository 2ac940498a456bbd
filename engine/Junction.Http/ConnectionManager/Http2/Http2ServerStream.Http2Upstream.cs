using System.Buffers;
using System.IO.Pipelines;
using Junction.AccessLog;
using Junction.Http.Http2;
using Junction.Http.Upstream.Http2;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

internal sealed partial class Http2ServerStream
{
    /// <summary>
    /// Forwards the request to a cluster that speaks HTTP/2: a stream on a pooled upstream connection.
    /// The request body goes up while the response comes down (gRPC streams both ways at once), each
    /// direction within both connections' flow-control windows; trailers pass through, so gRPC's
    /// grpc-status and grpc-message arrive as the service sent them.
    /// </summary>
    /// <remarks>
    /// The route timeout bounds the wait for the response head; after it, a gRPC response (a stream that
    /// may run for as long as the call does) is bounded only by max_stream_duration (or its grpc-timeout),
    /// any other response still by the route timeout too.
    /// </remarks>
    private async ValueTask ForwardOverHttp2Async(IUpstreamCluster cluster, IUpstreamHost host, UpstreamHttp2Options options, HttpStreamInfo info)
    {
        var pool = Http2ClientPool.For(cluster, host);
        var (upstream, result) = await pool.AcquireStreamAsync(cluster, host, options, Provider.Limits.MaxHeaderBytes, Aborted).ConfigureAwait(false);
        if (upstream is null)
        {
            await ConnectFailedAsync(result.Failure).ConfigureAwait(false);
            return;
        }
        var stats = UpstreamRequestStats.For(cluster, Provider.Stats.Root);
        stats.RequestsTotal.Increment();
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
        if (ExchangeDeadline.Remaining(Route, Request.Head, info.StartTimestamp) is { } limit) timeout.CancelAfter(limit);
        Task send = Task.CompletedTask;
        try
        {
            await upstream.SendHeadersAsync(Request.Head, Route, Provider, _connection.Connection.RemoteEndPoint, endStream: _body is null).ConfigureAwait(false);
            if (_body is { } body) send = SendBodyUpAsync(upstream, body.Reader);
            await upstream.ReadResponseHeadAsync(timeout.Token).ConfigureAwait(false);

            var head = upstream.Response;
            info.Response = head;
            info.SetResponseCode(head.StatusCode);
            stats.CountResponse(head.StatusCode);
            var grpc = IsGrpc(head);
            // A gRPC stream may run as long as the call does: past its head only max_stream_duration bounds it.
            if (grpc) timeout.CancelAfter(ExchangeDeadline.StreamLimit(Route, Request.Head, info.StartTimestamp) ?? Timeout.InfiniteTimeSpan);
            var contentLength = head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1.Http1RejectReason.None ? head.Framing.ContentLength : -1;
            _headSent = true;
            if (!await _connection.WriteResponseHeadAsync(this, head.StatusCode, head, contentLength, null, endStream: upstream.EndedWithHead).ConfigureAwait(false))
            {
                info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                await upstream.CancelAsync().ConfigureAwait(false);
                return;
            }
            if (!upstream.EndedWithHead && !await RelayHttp2BodyAsync(upstream, timeout.Token).ConfigureAwait(false))
            {
                await upstream.CancelAsync().ConfigureAwait(false);
                return;
            }
            try
            {
                await send.ConfigureAwait(false);
            }
            catch (Http2StreamResetException reset) when (reset.Code == Http2ErrorCode.NoError)
            {
                // The upstream answered in full before reading the whole request, then said it needs no
                // more of it (RFC 9113 §8.1): the response stands.
            }
            ResponseComplete = true;
            stats.RequestTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (grpc && GrpcStatus(upstream) is { } grpcStatus) stats.CountGrpc(Request.Head.Target, grpcStatus);
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            info.SetFlag(ResponseFlags.DownstreamConnectionTermination);
            await upstream.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stats.Timeouts.Increment();
            await upstream.CancelAsync().ConfigureAwait(false);
            await UpstreamFailedAsync(ResponseFlags.UpstreamRequestTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http2StreamResetException or IOException or InvalidOperationException)
        {
            await upstream.CancelAsync().ConfigureAwait(false);
            stats.ResetsBeforeResponse.Increment();
            await UpstreamFailedAsync(ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
        }
        finally
        {
            // A body still going up when the exchange ended: stop it (it may be waiting for client bytes
            // that will never be read) and wait for it, so that nothing reads the body pipe once the
            // stream has ended.
            if (!send.IsCompleted)
            {
                Abort();
                try
                {
                    await send.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or Http2StreamResetException or IOException or InvalidOperationException)
                {
                }
            }
        }
    }

    /// <summary>The request body, from the client's DATA frames to the upstream stream, then the trailers.</summary>
    private async Task SendBodyUpAsync(Http2ClientStream upstream, PipeReader body)
    {
        while (true)
        {
            var read = await body.ReadAsync(Aborted).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var trailers = read.IsCompleted ? RequestTrailers : null;
            var end = read.IsCompleted && trailers is null;
            if (!buffer.IsEmpty || end) await upstream.SendDataAsync(buffer, end, Aborted).ConfigureAwait(false);
            var length = (int)buffer.Length;
            body.AdvanceTo(buffer.End);
            if (length > 0)
            {
                NoteBodyForwarded(length);
                await _connection.OnBodyConsumedAsync(this, length).ConfigureAwait(false);
            }
            if (trailers is not null) await upstream.SendTrailersAsync(trailers).ConfigureAwait(false);
            if (read.IsCompleted) return;
        }
    }

    /// <summary>The response body and trailers, from the upstream stream to the client.</summary>
    private async ValueTask<bool> RelayHttp2BodyAsync(Http2ClientStream upstream, CancellationToken token)
    {
        var body = upstream.ResponseBody;
        while (true)
        {
            var read = await body.ReadAsync(token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var trailers = read.IsCompleted ? upstream.Trailers : null;
            var end = read.IsCompleted && trailers is not { FieldCount: > 0 };
            if ((!buffer.IsEmpty || end) && !await _connection.WriteDataAsync(this, buffer, end, Aborted).ConfigureAwait(false))
            {
                _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
                return false;
            }
            var length = (int)buffer.Length;
            body.AdvanceTo(buffer.End);
            MarkActivity();
            // Only now that the client took them may the upstream send as many bytes again.
            if (length > 0) await upstream.ConsumedAsync(length).ConfigureAwait(false);
            if (!read.IsCompleted) continue;
            if (trailers is { FieldCount: > 0 } && !await _connection.WriteTrailersAsync(this, trailers).ConfigureAwait(false)) return false;
            return true;
        }
    }

    /// <summary>The call's grpc-status: from the trailers, or from the head of a trailers-only response.</summary>
    private static int? GrpcStatus(Http2ClientStream upstream)
    {
        var source = upstream.Trailers is { FieldCount: > 0 } trailers ? trailers : upstream.Response;
        var index = source.Find("grpc-status"u8);
        return index >= 0 && int.TryParse(source.Value(index), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status) ? status : null;
    }

    private static bool IsGrpc(MessageHead head)
    {
        var index = head.Find("content-type"u8);
        return index >= 0 && head.Value(index).StartsWith("application/grpc"u8);
    }
}
