using System.Buffers;
using Junction.AccessLog;
using Junction.Http.ConnectionManager.Filters;
using Junction.Http.Http1;
using Junction.Http.Http2;
using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// HTTP filters on an HTTP/2 stream: the request side runs the request through the decoders, whose
/// output the router sends up (<see cref="IHttpFilterChainSink"/>); the response side runs the response
/// through the encoders, whose output becomes HEADERS, DATA and trailers. Each stream has its own chain,
/// since streams of one connection run at the same time.
/// </summary>
/// <remarks>
/// As on HTTP/1.1, a body the filters held whole goes out with its (possibly new) length, and a request
/// body they let stream keeps the length the client declared: a filter that changes it fails the stream.
/// HTTP/2 needs no Content-Length, so a streamed response body goes out without one.
/// </remarks>
internal sealed partial class Http2ServerStream : IHttpFilterChainSink
{
    private HttpFilterChain? _filters;
    // The request body length the upstream was promised (-1: none), and what went up so far.
    private long _declaredLength = -1;
    private long _bodySent;
    // The response being encoded (from the upstream, or a local reply), its length and trailers.
    private MessageHead? _encodingHead;
    private long _encodingLength = -1;
    private MessageHead? _encodingTrailers;

    private void BeginFilters(HttpStreamInfo info)
    {
        var chain = new HttpFilterChain(Provider.Filters, this);
        RequestTrailers ??= new MessageHead();
        chain.RequestTrailers.Attach(RequestTrailers);
        chain.Begin(info, Request.Head, _requestStop!.Token);
        _filters = chain;
    }

    private void EndFilters()
    {
        if (_filters is not { } chain) return;
        chain.End();
        chain.Release();
    }

    /// <summary>The request through the decoders: headers, then the body as it arrives, then trailers.</summary>
    private async ValueTask DecodeRequestAsync(HttpFilterChain chain)
    {
        var hasBody = _body is not null;
        if (!await AfterDecodeAsync(chain, await chain.Decoding.HeadersAsync(endOfStream: !hasBody).ConfigureAwait(false)).ConfigureAwait(false) || !hasBody) return;
        var reader = _body!.Reader;
        while (true)
        {
            var read = await reader.ReadAsync(_requestStop!.Token).ConfigureAwait(false);
            MarkActivity();
            var buffer = read.Buffer;
            var trailers = read.IsCompleted ? TrailersToSend : null;
            var end = read.IsCompleted && trailers is null;
            var piece = chain.Decoding.Piece;
            piece.Clear();
            piece.Append(buffer);
            var length = (int)buffer.Length;
            reader.AdvanceTo(buffer.End);
            if ((length > 0 || end) && !await AfterDecodeAsync(chain, await chain.Decoding.DataAsync(end).ConfigureAwait(false)).ConfigureAwait(false)) return;
            // The filters took the bytes (or hold them, within the buffer limit): the client may send more.
            await BodyTakenAsync(length).ConfigureAwait(false);
            if (trailers is not null && !await AfterDecodeAsync(chain, await chain.Decoding.TrailersAsync().ConfigureAwait(false)).ConfigureAwait(false)) return;
            if (read.IsCompleted) return;
        }
    }

    /// <summary>Acts on how far the request got; true when it goes on.</summary>
    private ValueTask<bool> AfterDecodeAsync(HttpFilterChain chain, FilterChainResult result)
    {
        switch (result)
        {
            case FilterChainResult.Passed or FilterChainResult.Held:
                return ValueTask.FromResult(true);
            case FilterChainResult.LocalReply:
                RecordFilterReply(chain);
                return ValueTask.FromResult(false);
            case FilterChainResult.Overflow:
                Provider.Stats.RequestTooLarge.Increment();
                _info!.TerminationDetails = "request_payload_too_large";
                RecordReply(413, "Payload Too Large"u8.ToArray());
                return ValueTask.FromResult(false);
            default:
                return ValueTask.FromResult(false);
        }
    }

    /// <summary>A filter asked to answer the request itself: the stream's task sends it (through the encoders).</summary>
    private void RecordFilterReply(HttpFilterChain chain)
    {
        if (chain.LocalReplyDetails is { } details) _info!.TerminationDetails = details;
        var body = chain.LocalReplyBody is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;
        var skipFilters = chain.EncodingStarted;
        chain.TakeLocalReply();
        RecordReply(chain.LocalReplyStatus, body, skipFilters: skipFilters);
    }

    /// <summary>The upstream's response through the encoders; true when it reached the client whole.</summary>
    private async ValueTask<bool> EncodeResponseAsync(HttpFilterChain chain, StreamAttempt attempt, long contentLength, bool hasBody, CancellationToken token)
    {
        _encodingHead = attempt.Response;
        _encodingLength = contentLength;
        chain.ResponseHeaders.Attach(attempt.Response);
        chain.EncodingStarted = true;
        var result = await GuardEncodeAsync(chain.Encoding.HeadersAsync(endOfStream: !hasBody)).ConfigureAwait(false);
        while (hasBody && result is FilterChainResult.Passed or FilterChainResult.Held)
        {
            var piece = await attempt.ReadBodyAsync(token).ConfigureAwait(false);
            MarkActivity();
            if (piece.Truncated)
            {
                if (_headSent) return await ResponseTruncatedAsync().ConfigureAwait(false);
                await UpstreamFailedAsync(ResponseFlags.UpstreamRemoteReset).ConfigureAwait(false);
                return false;
            }
            var trailers = piece.Complete ? attempt.ResponseTrailers : null;
            var end = piece.Complete && trailers is null;
            var body = chain.Encoding.Piece;
            body.Clear();
            body.Append(piece.Data);
            await attempt.ConsumeBodyAsync().ConfigureAwait(false);
            if (body.Length > 0 || end) result = await GuardEncodeAsync(chain.Encoding.DataAsync(end)).ConfigureAwait(false);
            if (trailers is not null && result is FilterChainResult.Passed or FilterChainResult.Held)
            {
                _encodingTrailers = trailers;
                chain.ResponseTrailers.Attach(trailers);
                result = await GuardEncodeAsync(chain.Encoding.TrailersAsync()).ConfigureAwait(false);
            }
            if (piece.Complete) break;
        }
        return await AfterEncodeAsync(result).ConfigureAwait(false);
    }

    /// <summary>A local reply through the encoders: they see it like any response.</summary>
    private async ValueTask FilteredLocalReplyAsync(HttpFilterChain chain, int status, ReadOnlyMemory<byte>? body, string? location)
    {
        var head = new MessageHead();
        head.SetStatusLine(Http1Version.Http11, status, ReasonPhrases.For(status));
        var length = body?.Length ?? 0;
        if (length > 0) head.AddField("content-type"u8, "text/plain"u8);
        if (location is not null) head.AddField("location"u8, System.Text.Encoding.ASCII.GetBytes(location));
        _encodingHead = head;
        _encodingLength = length;
        chain.ResponseHeaders.Attach(head);
        chain.EncodingStarted = true;
        var isHead = Request.Head.Method == Http1Method.Head;
        var result = await GuardEncodeAsync(chain.Encoding.HeadersAsync(endOfStream: length == 0 || isHead)).ConfigureAwait(false);
        if (result is FilterChainResult.Passed or FilterChainResult.Held && length > 0 && !isHead)
        {
            chain.Encoding.Piece.Replace(body!.Value.Span);
            result = await GuardEncodeAsync(chain.Encoding.DataAsync(endOfStream: true)).ConfigureAwait(false);
        }
        if (await AfterEncodeAsync(result).ConfigureAwait(false)) await LocalReplySentAsync().ConfigureAwait(false);
    }

    /// <summary>Acts on how far the response got through the encoders; true when it reached the client whole.</summary>
    private async ValueTask<bool> AfterEncodeAsync(FilterChainResult result)
    {
        switch (result)
        {
            case FilterChainResult.Passed:
                return true;
            case FilterChainResult.LocalReply:
                var chain = _filters!;
                if (chain.LocalReplyDetails is { } details) _info!.TerminationDetails = details;
                var body = chain.LocalReplyBody is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;
                var status = chain.LocalReplyStatus;
                chain.TakeLocalReply();
                await AnswerInsteadAsync(status, body).ConfigureAwait(false);
                return false;
            case FilterChainResult.Overflow:
                Provider.Stats.ResponseTooLarge.Increment();
                _info!.TerminationDetails = "response_payload_too_large";
                await AnswerInsteadAsync(500, "Internal Server Error"u8.ToArray()).ConfigureAwait(false);
                return false;
            default:
                // The client went away (the sink said so), or a filter failed and the stream was answered.
                return false;
        }
    }

    /// <summary>Answers with a local reply that skips the encoders (they asked for it), or resets when too late.</summary>
    private async ValueTask AnswerInsteadAsync(int status, ReadOnlyMemory<byte>? body)
    {
        if (_attempt is { } attempt)
        {
            _attempt = null;
            _info!.Response = null;
            await attempt.DropAsync().ConfigureAwait(false);
        }
        if (_headSent)
        {
            await ResetAsync(Http2ErrorCode.InternalError).ConfigureAwait(false);
            return;
        }
        await LocalReplyAsync(status, body, skipFilters: true).ConfigureAwait(false);
    }

    /// <summary>Awaits a step of the encoders; a filter that throws fails the stream, not the connection.</summary>
    private async ValueTask<FilterChainResult> GuardEncodeAsync(ValueTask<FilterChainResult> step)
    {
        try
        {
            return await step.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Provider.Stats.FilterErrors.Increment();
            _info!.TerminationDetails = "filter_error:" + ex.GetType().Name;
            await AnswerInsteadAsync(500, "filter error"u8.ToArray()).ConfigureAwait(false);
            return FilterChainResult.Ended;
        }
    }

    // ---- IHttpFilterChainSink: what passed every filter ----

    ref RouteOutcome IHttpFilterChainSink.CurrentRoute()
    {
        if (!_routed) RouteRequest();
        return ref Route;
    }

    void IHttpFilterChainSink.ClearRoute()
    {
        // Once an attempt is out, the route it took stands.
        if (_attempt is null) _routed = false;
    }

    ValueTask<bool> IHttpFilterChainSink.RequestHeadersAsync(bool endOfStream, int wholeBodyLength)
    {
        if (!_routed) RouteRequest();
        var hasBody = !endOfStream;
        _declaredLength = !hasBody ? -1 : wholeBodyLength >= 0 ? wholeBodyLength : Request.ContentLength;
        return OpenAsync(_declaredLength, hasBody);
    }

    async ValueTask<bool> IHttpFilterChainSink.RequestDataAsync(HttpBody body, bool endOfStream)
    {
        _bodySent += body.Length;
        if (_declaredLength >= 0 && (_bodySent > _declaredLength || (endOfStream && _bodySent != _declaredLength)))
        {
            throw new InvalidOperationException("an HTTP filter changed the length of a streamed request body sent with Content-Length");
        }
        await SendBodyUpAsync(new ReadOnlySequence<byte>(body.Memory), endOfStream).ConfigureAwait(false);
        return true;
    }

    async ValueTask<bool> IHttpFilterChainSink.RequestTrailersAsync()
    {
        await SendTrailersUpAsync(RequestTrailers!).ConfigureAwait(false);
        return true;
    }

    async ValueTask<bool> IHttpFilterChainSink.ResponseHeadersAsync(bool endOfStream, int wholeBodyLength)
    {
        var head = _encodingHead!;
        var length = wholeBodyLength >= 0 ? wholeBodyLength : endOfStream ? _encodingLength : -1;
        _headSent = true;
        if (await _connection.WriteResponseHeadAsync(this, head.StatusCode, head, length, null, endOfStream).ConfigureAwait(false)) return true;
        _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        return false;
    }

    async ValueTask<bool> IHttpFilterChainSink.ResponseDataAsync(HttpBody body, bool endOfStream)
    {
        if (body.Length == 0 && !endOfStream) return true;
        if (await _connection.WriteDataAsync(this, new ReadOnlySequence<byte>(body.Memory), endOfStream, Aborted).ConfigureAwait(false)) return true;
        _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        return false;
    }

    async ValueTask<bool> IHttpFilterChainSink.ResponseTrailersAsync()
    {
        if (await _connection.WriteTrailersAsync(this, _encodingTrailers!).ConfigureAwait(false)) return true;
        _info!.SetFlag(ResponseFlags.DownstreamConnectionTermination);
        return false;
    }
}
