using System.Buffers;
using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>
    /// Sends a shadow of the current request to each of the route's mirror clusters its
    /// <c>runtime_fraction</c> selects, with the same changes as the primary request and the Host
    /// suffixed <c>-shadow</c> (before any port). Only requests without a body are mirrored: the primary's
    /// body is streamed through and never kept, so there is nothing to send a second time. Called once the
    /// primary's head is written; the shadows go out on the thread pool (<see cref="RequestMirror"/>).
    /// </summary>
    private void MirrorRequest(Exchange exchange)
    {
        ref var route = ref exchange.Route;
        if (route.Mirrors is not { } mirrors || exchange.RequestFraming.Kind != Http1BodyKind.None || exchange.IsUpgrade) return;
        foreach (var mirror in mirrors)
        {
            if (mirror.Cluster is not { } cluster || !mirror.Sample()) continue;
            var shadow = route;
            if (mirror.AppendShadowSuffix && ShadowHost(route.RewrittenHost) is { } host) shadow.RewrittenHost = host;
            var head = new ArrayBufferWriter<byte>(512);
            UpstreamRequestHead.Write(head, _request, ref shadow, provider, Connection.RemoteEndPoint, exchange.UpstreamFraming, isUpgrade: false, "http"u8);
            RequestMirror.Send(cluster, head.WrittenSpan.ToArray(), route.Timeout, UpstreamRequestStats.For(cluster, provider.Stats.Root));
        }
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
