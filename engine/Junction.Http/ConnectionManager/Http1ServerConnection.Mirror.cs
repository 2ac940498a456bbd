using System.Buffers;
using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>
    /// Sends a shadow of the current request to each of the route's mirror clusters its
    /// <c>runtime_fraction</c> selects, with the same changes as the primary request and the Host
    /// suffixed <c>-shadow</c> (before any port). Called once the primary's head is written. A request
    /// without a body goes out at once; one with a body waits until the body has gone to the primary: its
    /// bytes are kept on the way (<see cref="KeptRequestBody"/>, shared with retries, bounded by the
    /// listener's buffer limit) and <see cref="SendPendingShadows"/> sends head and body together. The
    /// shadows go out on the thread pool (<see cref="RequestMirror"/>), so they never slow the primary.
    /// A mirror cluster that speaks HTTP/2 gets a stream; it needs the bare body, so a chunked body kept
    /// with its framing is not mirrored to it (nor, the other way round, a chunked body kept bare for an
    /// HTTP/2 primary to an HTTP/1.1 mirror).
    /// </summary>
    private void MirrorRequest(Exchange exchange)
    {
        ref var route = ref exchange.Route;
        if (route.Mirrors is not { } mirrors || exchange.IsUpgrade) return;
        var framing = exchange.UpstreamFraming;
        var hasBody = framing.Kind != Http1BodyKind.None;
        // What the kept body holds: what went to the primary, framed as its head says for an HTTP/1.1
        // primary, the bare body for an HTTP/2 one. Content-Length framing adds no bytes, so then it is both.
        var primaryIsHttp2 = exchange.Http2Upstream is not null;
        var keptIsBare = primaryIsHttp2 || framing.Kind == Http1BodyKind.ContentLength;
        var keptMatchesHead = !primaryIsHttp2 || framing.Kind == Http1BodyKind.ContentLength;
        foreach (var mirror in mirrors)
        {
            if (mirror.Cluster is not { } cluster || !mirror.Sample()) continue;
            var shadow = route;
            if (mirror.AppendShadowSuffix && RequestMirror.ShadowHost(_request, route.RewrittenHost) is { } host) shadow.RewrittenHost = host;
            var stats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
            var timeout = route.Timeout;
            Action<ReadOnlyMemory<byte>> send;
            if (cluster.HttpOptions.Http2 is { } http2)
            {
                // An HTTP/2 shadow needs the bare body, and a head of its own: this connection's is reused.
                if (hasBody && !keptIsBare) continue;
                var head = MessageHead.CopyRequest(_request);
                var remote = Connection.RemoteEndPoint;
                send = body => RequestMirror.SendHttp2(cluster, http2, head, shadow, provider, remote, body.ToArray(), timeout, stats);
            }
            else
            {
                if (hasBody && !keptMatchesHead) continue;
                var head = new ArrayBufferWriter<byte>(512);
                UpstreamRequestHead.Write(head, _request, ref shadow, provider, Connection.RemoteEndPoint, framing, isUpgrade: false, "http"u8);
                send = body =>
                {
                    var request = new byte[head.WrittenCount + body.Length];
                    head.WrittenSpan.CopyTo(request);
                    body.Span.CopyTo(request.AsSpan(head.WrittenCount));
                    RequestMirror.Send(cluster, request, timeout, stats);
                };
            }
            if (!hasBody)
            {
                send(ReadOnlyMemory<byte>.Empty);
                continue;
            }
            // Too long to keep (counted once, as retry_or_shadow_abandoned): this request is not mirrored.
            if (KeepRequestBody(exchange) is not { Abandoned: false }) return;
            (exchange.PendingShadows ??= new List<PendingShadow>(1)).Add(new PendingShadow(send));
        }
    }

    /// <summary>
    /// The request body has gone to the primary in full: each waiting shadow gets its own copy of head
    /// and body. Nothing is sent when the body outgrew the buffer limit on the way.
    /// </summary>
    private static void SendPendingShadows(Exchange exchange)
    {
        if (exchange.PendingShadows is not { Count: > 0 } shadows) return;
        // Each send copies the body: the kept one goes back to the pool when the exchange ends.
        if (exchange.KeptBody is { Abandoned: false } kept)
        {
            foreach (var shadow in shadows) shadow.Send(kept.Bytes.Written);
        }
        shadows.Clear();
    }

    /// <summary>The request has been sent upstream in full: marks it so and lets waiting shadows go.</summary>
    private static void CompleteRequest(Exchange exchange)
    {
        exchange.RequestComplete = true;
        SendPendingShadows(exchange);
    }
}
