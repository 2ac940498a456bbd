using System.Buffers;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Sends one shadow request (a route's <c>request_mirror_policies</c>) and forgets it: on its own new
/// connection to a host of the mirror cluster (counted by that cluster's connection stats and
/// <c>max_connections</c>), on the thread pool, so the primary request never waits for it. Only the
/// status line of the answer is read, for <c>cluster.&lt;mirror&gt;.upstream_rq_&lt;class&gt;</c> and
/// outlier detection; then the connection is closed. A mirror that does not answer within the route's
/// timeout (15 s when the route has none) is cut off and counted as <c>upstream_rq_timeout</c>.
/// </summary>
internal static class RequestMirror
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Starts sending <paramref name="request"/> (a complete HTTP/1.1 request: head, and body if any) and returns at once.</summary>
    public static void Send(IUpstreamCluster cluster, byte[] request, TimeSpan? timeout, UpstreamRequestStats stats) =>
        _ = Task.Run(() => SendAsync(cluster, request, timeout ?? DefaultTimeout, stats));

    private static async Task SendAsync(IUpstreamCluster cluster, byte[] request, TimeSpan timeout, UpstreamRequestStats stats)
    {
        // No healthy host: the cluster counts it (upstream_cx_none_healthy); a shadow never falls back.
        if (cluster.ChooseHost() is not { } host) return;
        stats.RequestsTotal.Increment();
        using var deadline = new CancellationTokenSource(timeout);
        UpstreamConnectResult result;
        try
        {
            result = await cluster.ConnectAsync(host, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stats.Timeouts.Increment();
            return;
        }
        if (result.Connection is not { } upstream) return;
        await using (upstream.ConfigureAwait(false))
        {
            try
            {
                await upstream.Connection.Transport.Output.WriteAsync(request, deadline.Token).ConfigureAwait(false);
                var input = upstream.Connection.Transport.Input;
                while (true)
                {
                    var read = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                    if (TryReadStatus(read.Buffer, out var status))
                    {
                        stats.CountResponse(status);
                        host.ReportHttpStatus(status);
                        return;
                    }
                    if (read.IsCompleted)
                    {
                        stats.ResetsBeforeResponse.Increment();
                        host.ReportLocalOrigin(LocalOriginResult.Reset);
                        return;
                    }
                    input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                }
            }
            catch (OperationCanceledException)
            {
                stats.Timeouts.Increment();
                host.ReportLocalOrigin(LocalOriginResult.Timeout);
            }
            catch (Exception ex) when (ex is Microsoft.AspNetCore.Connections.ConnectionResetException or InvalidOperationException or IOException)
            {
                stats.ResetsBeforeResponse.Increment();
                host.ReportLocalOrigin(LocalOriginResult.Reset);
            }
        }
    }

    /// <summary>
    /// Starts sending a shadow to a cluster that speaks HTTP/2: a stream on the host's pool gets the head
    /// (<paramref name="head"/>, which nothing else may change any more) and the body; only the response
    /// head is awaited, then the stream is cancelled.
    /// </summary>
    public static void SendHttp2(IUpstreamCluster cluster, UpstreamHttp2Options options, MessageHead head, RouteOutcome route,
        HttpConnectionManagerProvider provider, System.Net.EndPoint? remote, ReadOnlyMemory<byte> body, TimeSpan? timeout, UpstreamRequestStats stats) =>
        _ = Task.Run(() => SendHttp2Async(cluster, options, head, route, provider, remote, body, timeout ?? DefaultTimeout, stats));

    private static async Task SendHttp2Async(IUpstreamCluster cluster, UpstreamHttp2Options options, MessageHead head, RouteOutcome route,
        HttpConnectionManagerProvider provider, System.Net.EndPoint? remote, ReadOnlyMemory<byte> body, TimeSpan timeout, UpstreamRequestStats stats)
    {
        if (cluster.ChooseHost() is not { } host) return;
        stats.RequestsTotal.Increment();
        using var deadline = new CancellationTokenSource(timeout);
        Upstream.Http2.Http2ClientStream? stream = null;
        try
        {
            (stream, _) = await Upstream.Http2.Http2ClientPool.For(cluster, host)
                .AcquireStreamAsync(cluster, host, options, provider.Limits.MaxHeaderBytes, deadline.Token).ConfigureAwait(false);
            if (stream is null) return;
            await stream.SendHeadersAsync(head, route, provider, remote, endStream: body.IsEmpty).ConfigureAwait(false);
            if (!body.IsEmpty) await stream.SendDataAsync(new ReadOnlySequence<byte>(body), endStream: true, deadline.Token).ConfigureAwait(false);
            await stream.ReadResponseHeadAsync(deadline.Token).ConfigureAwait(false);
            stats.CountResponse(stream.Response.StatusCode);
            host.ReportHttpStatus(stream.Response.StatusCode);
        }
        catch (OperationCanceledException)
        {
            stats.Timeouts.Increment();
            host.ReportLocalOrigin(LocalOriginResult.Timeout);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            stats.ResetsBeforeResponse.Increment();
            host.ReportLocalOrigin(LocalOriginResult.Reset);
        }
        finally
        {
            // The shadow's body is never read: the stream is let go at once.
            if (stream is not null) await stream.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Envoy's shadow Host: <c>name-shadow</c>, or <c>name-shadow:port</c>; null when the request has no Host.</summary>
    public static byte[]? ShadowHost(MessageHead request, byte[]? rewritten)
    {
        ReadOnlySpan<byte> host;
        if (rewritten is not null)
        {
            host = rewritten;
        }
        else
        {
            var index = request.Find(Http1.KnownHeader.Host);
            if (index < 0) return null;
            host = request.Value(index);
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

    /// <summary>The status of a status line (<c>HTTP/1.x NNN</c>) at the start of <paramref name="buffer"/>, once 12 bytes are there.</summary>
    private static bool TryReadStatus(in ReadOnlySequence<byte> buffer, out int status)
    {
        status = 0;
        if (buffer.Length < 12) return false;
        Span<byte> line = stackalloc byte[12];
        buffer.Slice(0, 12).CopyTo(line);
        if (!line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ') return true; // not HTTP: counted as nothing
        for (var i = 9; i < 12; i++)
        {
            if (line[i] is < (byte)'0' or > (byte)'9') return true;
            status = status * 10 + (line[i] - '0');
        }
        return true;
    }
}
