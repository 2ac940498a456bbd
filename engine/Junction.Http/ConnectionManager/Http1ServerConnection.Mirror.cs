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
    /// </summary>
    private void MirrorRequest(Exchange exchange)
    {
        ref var route = ref exchange.Route;
        if (route.Mirrors is not { } mirrors || exchange.IsUpgrade) return;
        var hasBody = exchange.UpstreamFraming.Kind != Http1BodyKind.None;
        foreach (var mirror in mirrors)
        {
            if (mirror.Cluster is not { } cluster || !mirror.Sample()) continue;
            var shadow = route;
            if (mirror.AppendShadowSuffix && ShadowHost(route.RewrittenHost) is { } host) shadow.RewrittenHost = host;
            var head = new ArrayBufferWriter<byte>(512);
            UpstreamRequestHead.Write(head, _request, ref shadow, provider, Connection.RemoteEndPoint, exchange.UpstreamFraming, isUpgrade: false, "http"u8);
            var stats = UpstreamRequestStats.For(cluster, provider.Stats.Root);
            if (!hasBody)
            {
                RequestMirror.Send(cluster, head.WrittenSpan.ToArray(), route.Timeout, stats);
                continue;
            }
            // Too long to keep (counted once, as retry_or_shadow_abandoned): this request is not mirrored.
            if (KeepRequestBody(exchange) is not { Abandoned: false }) return;
            (exchange.PendingShadows ??= new List<PendingShadow>(1)).Add(new PendingShadow(cluster, head, route.Timeout, stats));
        }
    }

    /// <summary>
    /// The request body has gone to the primary in full: each waiting shadow gets its own copy of head
    /// and body. Nothing is sent when the body outgrew the buffer limit on the way.
    /// </summary>
    private static void SendPendingShadows(Exchange exchange)
    {
        if (exchange.PendingShadows is not { Count: > 0 } shadows) return;
        if (exchange.KeptBody is { Abandoned: false } kept)
        {
            var body = kept.Bytes.Written.Span;
            foreach (var shadow in shadows)
            {
                var head = shadow.Head.WrittenSpan;
                // A copy: the kept body goes back to the pool when the exchange ends, the shadow may still be sending.
                var request = new byte[head.Length + body.Length];
                head.CopyTo(request);
                body.CopyTo(request.AsSpan(head.Length));
                RequestMirror.Send(shadow.Cluster, request, shadow.Timeout, shadow.Stats);
            }
        }
        shadows.Clear();
    }

    /// <summary>The request has been sent upstream in full: marks it so and lets waiting shadows go.</summary>
    private static void CompleteRequest(Exchange exchange)
    {
        exchange.RequestComplete = true;
        SendPendingShadows(exchange);
    }

    /// <summary>Envoy's shadow Host: <c>name-shadow</c>, or <c>name-shadow:port</c>; null when the request has no Host.</summary>
    private byte[]? ShadowHost(byte[]? rewritten)
    {
        ReadOnlySpan<byte> host;
        if (rewritten is not null)
        {
            host = rewritten;
        }
        else
        {
            var index = _request.Find(KnownHeader.Host);
            if (index < 0) return null;
            host = _request.Value(index);
        }
        // A port follows the last colon, unless that colon is inside an IPv6 literal's brackets.
        var colon = host.LastIndexOf((byte)':');
        if (colon >= 0 && host.LastIndexOf((byte)']') > colon) colon = -1;
        var name = colon < 0 ? host : host[..colon];
        var port = colon < 0 ? default : host[colon..];
        var result = new byte[name.Length + 7 + port.Length];
        name.CopyTo(result);
        "-shadow"u8.CopyTo(result.AsSpan(name.Length));
        port.CopyTo(result.AsSpan(name.Length + 7));
        return result;
    }
}
