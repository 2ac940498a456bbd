using System.Buffers;
using System.Net;
using System.Text;
using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Writes a request head for an HTTP/1.1 upstream: the client's fields as they arrived (from an HTTP/1.1
/// or an HTTP/2 client), minus hop-by-hop ones, plus the proxy's own (x-forwarded-for,
/// x-forwarded-proto, x-request-id), the route's header changes, and the body framing the proxy
/// decided. Every value written comes from a parsed field (no CR or LF can be in one) or from
/// configuration validated at load, so nothing can inject a line.
/// </summary>
internal static class UpstreamRequestHead
{
    public static void Write(IBufferWriter<byte> output, MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider,
        EndPoint? remote, Http1BodyFraming framing, bool isUpgrade, ReadOnlySpan<byte> scheme)
    {
        output.Write(request.MethodBytes);
        output.Write(" "u8);
        output.Write(route.RewrittenTarget is { } target ? target : request.Target);
        output.Write(" HTTP/1.1\r\n"u8);

        var xffIndex = -1;
        var hasRequestId = false;
        var hasProto = false;
        for (var i = 0; i < request.FieldCount; i++)
        {
            ref var field = ref request.Field(i);
            if (field.Dropped) continue;
            var name = request.Name(i);
            if (HeaderMutationWriter.Replaces(name, route.RequestMutations, route.ClusterRequestMutations)) continue;
            if (field.Known == KnownHeader.Host && route.RewrittenHost is { } host)
            {
                output.WriteField("host"u8, host);
                continue;
            }
            if (Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8))
            {
                // Written once below, with the client's address appended when configured.
                if (xffIndex < 0) xffIndex = i;
                continue;
            }
            if (Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8))
            {
                if (provider.UseRemoteAddress) continue;
                hasProto = true;
            }
            if (Ascii.EqualsIgnoreCase(name, "x-request-id"u8)) hasRequestId = true;
            output.WriteField(name, request.Value(i));
        }

        HeaderMutationWriter.WriteAdditions(output, request, route.ClusterRequestMutations, route.RequestMutations);
        WriteForwardedFor(output, request, xffIndex, provider.UseRemoteAddress ? remote as IPEndPoint : null);
        if (!hasProto) output.WriteField("x-forwarded-proto"u8, scheme);
        if (!hasRequestId && provider.GenerateRequestId)
        {
            Span<byte> id = stackalloc byte[36];
            Guid.NewGuid().TryFormat(id, out _);
            output.WriteField("x-request-id"u8, id);
        }

        if (isUpgrade)
        {
            output.WriteField("upgrade"u8, request.Value(request.UpgradeIndex));
            output.Write("connection: upgrade\r\n"u8);
        }

        switch (framing.Kind)
        {
            case Http1BodyKind.ContentLength:
                output.Write("content-length: "u8);
                output.WriteNumber(framing.ContentLength);
                output.Write("\r\n"u8);
                break;
            case Http1BodyKind.Chunked:
                output.Write("transfer-encoding: chunked\r\n"u8);
                break;
        }
        output.Write("\r\n"u8);
    }

    private static void WriteForwardedFor(IBufferWriter<byte> output, MessageHead request, int existing, IPEndPoint? append)
    {
        if (existing < 0 && append is null) return;
        output.Write("x-forwarded-for: "u8);
        if (existing >= 0)
        {
            // Repeated X-Forwarded-For fields are one comma-separated list (RFC 9110 §5.3).
            var first = true;
            for (var i = existing; i < request.FieldCount; i++)
            {
                if (request.Field(i).Dropped || !Ascii.EqualsIgnoreCase(request.Name(i), "x-forwarded-for"u8)) continue;
                if (!first) output.Write(","u8);
                output.Write(request.Value(i));
                first = false;
            }
            if (append is not null) output.Write(","u8);
        }
        if (append is not null)
        {
            Span<byte> address = stackalloc byte[64];
            append.Address.TryFormat(address, out var written);
            output.Write(address[..written]);
        }
        output.Write("\r\n"u8);
    }
}
