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

        var lines = new Http1Lines(output);
        VisitFields(request, ref route, provider, remote, scheme, ref lines);

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

    /// <summary>
    /// The header fields of the upstream request, in order, whatever the upstream protocol: the client's
    /// (minus hop-by-hop ones and those the route replaces; Host as rewritten), the route's additions,
    /// x-forwarded-for, x-forwarded-proto and x-request-id. Not the request line, nor framing.
    /// </summary>
    public static void VisitFields<TSink>(MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider,
        EndPoint? remote, ReadOnlySpan<byte> scheme, ref TSink sink)
        where TSink : struct, HeaderMutationWriter.IFieldSink
    {
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
                sink.Field("host"u8, host);
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
            sink.Field(name, request.Value(i));
        }

        HeaderMutationWriter.VisitAdditions(request, route.ClusterRequestMutations, route.RequestMutations, ref sink);
        VisitForwardedFor(request, xffIndex, provider.UseRemoteAddress ? remote as IPEndPoint : null, ref sink);
        if (!hasProto) sink.Field("x-forwarded-proto"u8, scheme);
        if (!hasRequestId && provider.GenerateRequestId)
        {
            Span<byte> id = stackalloc byte[36];
            Guid.NewGuid().TryFormat(id, out _);
            sink.Field("x-request-id"u8, id);
        }
    }

    private static void VisitForwardedFor<TSink>(MessageHead request, int existing, IPEndPoint? append, ref TSink sink)
        where TSink : struct, HeaderMutationWriter.IFieldSink
    {
        if (existing < 0 && append is null) return;
        // Repeated X-Forwarded-For fields are one comma-separated list (RFC 9110 §5.3), sent as one.
        var length = 64;
        for (var i = existing < 0 ? request.FieldCount : existing; i < request.FieldCount; i++) length += request.Value(i).Length + 1;
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> value = rented ?? stackalloc byte[512];
        var written = 0;
        if (existing >= 0)
        {
            for (var i = existing; i < request.FieldCount; i++)
            {
                if (request.Field(i).Dropped || !Ascii.EqualsIgnoreCase(request.Name(i), "x-forwarded-for"u8)) continue;
                if (written > 0) value[written++] = (byte)',';
                request.Value(i).CopyTo(value[written..]);
                written += request.Value(i).Length;
            }
            if (append is not null && written > 0) value[written++] = (byte)',';
        }
        if (append is not null)
        {
            append.Address.TryFormat(value[written..], out var addressLength);
            written += addressLength;
        }
        sink.Field("x-forwarded-for"u8, value[..written]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Writes fields as HTTP/1.1 field lines.</summary>
    private readonly struct Http1Lines(IBufferWriter<byte> output) : HeaderMutationWriter.IFieldSink
    {
        public void Field(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => output.WriteField(lowerCaseName, value);
    }
}
