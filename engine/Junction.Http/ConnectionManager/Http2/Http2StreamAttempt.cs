using System.Buffers;
using System.Net;
using Junction.Http.Http1;
using Junction.Http.Upstream.Http2;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// An HTTP/2 stream's request sent on a stream of a pooled upstream HTTP/2 connection: frames pass
/// through within both connections' flow-control windows, and trailers travel as they came, so gRPC's
/// grpc-status and grpc-message arrive as the service sent them.
/// </summary>
internal sealed class Http2StreamAttempt(IUpstreamHost host, Http2ClientStream stream, CancellationToken exchange) : StreamAttempt(host, exchange)
{
    private ReadOnlySequence<byte> _piece;
    private bool _ended;

    public override MessageHead Response => stream.Response;

    public override MessageHead? ResponseTrailers => stream.Trailers is { FieldCount: > 0 } trailers ? trailers : null;

    public override EndPoint? LocalAddress => stream.LocalEndPoint;

    /// <summary>The upstream stream, for its grpc-status.</summary>
    public Http2ClientStream Stream => stream;

    public override ValueTask SendHeadAsync(MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider, EndPoint? remote, long contentLength, bool hasBody) =>
        stream.SendHeadersAsync(request, route, provider, remote, endStream: !hasBody);

    public override ValueTask SendBodyAsync(ReadOnlySequence<byte> data, bool endStream) =>
        data.IsEmpty && !endStream ? ValueTask.CompletedTask : stream.SendDataAsync(data, endStream, Dropped);

    public override ValueTask SendTrailersAsync(MessageHead trailers) => stream.SendTrailersAsync(trailers);

    public override async ValueTask<bool> ReadHeadAsync(CancellationToken token)
    {
        await stream.ReadResponseHeadAsync(token).ConfigureAwait(false);
        return true;
    }

    public override bool AcceptResponse(Http1Method method, out long contentLength, out bool hasBody)
    {
        var head = stream.Response;
        contentLength = head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None ? head.Framing.ContentLength : -1;
        hasBody = !stream.EndedWithHead;
        _ended = stream.EndedWithHead;
        return true;
    }

    public override async ValueTask<ResponsePiece> ReadBodyAsync(CancellationToken token)
    {
        var read = await stream.ResponseBody.ReadAsync(token).ConfigureAwait(false);
        _piece = read.Buffer;
        if (read.IsCompleted) _ended = true;
        return new ResponsePiece(_piece, read.IsCompleted, Truncated: false);
    }

    public override async ValueTask ConsumeBodyAsync()
    {
        var length = (int)_piece.Length;
        stream.ResponseBody.AdvanceTo(_piece.End);
        _piece = default;
        // Only now that the client took them may the upstream send as many bytes again.
        if (length > 0) await stream.ConsumedAsync(length).ConfigureAwait(false);
    }

    public override ValueTask CompleteAsync(bool requestComplete) =>
        // A stream both sides ended needs nothing more; one still open either way is reset.
        _ended && requestComplete ? ValueTask.CompletedTask : stream.CancelAsync();

    protected override ValueTask AbandonAsync() => stream.CancelAsync();
}
