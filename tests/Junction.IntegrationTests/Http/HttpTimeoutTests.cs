using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// The connection manager's timeouts, with Envoy's semantics: stream_idle_timeout, request_timeout,
/// request_headers_timeout, and common_http_protocol_options' idle_timeout and max_connection_duration.
/// Real sockets on both sides; every wait has a deadline, and the timeouts are a fraction of a second.
/// </summary>
[Collection("Http")]
public sealed class HttpTimeoutTests
{
    // Route timeout off, so only the connection manager's timers can end a slow exchange.
    private static readonly string[] s_routes = { "{ match: { prefix: \"/\" }, route: { cluster: web, timeout: 0s } }" };

    private static Task<InProcessProxy> StartAsync(KestrelUpstream upstream, string hcmFields, string accessLog = "") =>
        InProcessProxy.StartAsync(HttpProxyFixture.Config(s_routes, new Dictionary<string, int> { ["web"] = upstream.Port }, hcmFields, accessLog));

    [Fact]
    public async Task IdleConnectionIsClosedAfterIdleTimeoutAndCounted()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "common_http_protocol_options: { idle_timeout: 0.3s }");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        var response = await ExchangeAsync(client, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", response);
        Assert.DoesNotContain("connection: close", response);
        var idle = Stopwatch.StartNew();

        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        Assert.True(idle.Elapsed >= TimeSpan.FromSeconds(0.25), $"closed after {idle.Elapsed.TotalMilliseconds:0} ms");
        await proxy.CounterReachesAsync("http.ingress.downstream_cx_idle_timeout", 1);
    }

    [Fact]
    public async Task ConnectionThatKeepsSendingRequestsIsNotClosedByIdleTimeout()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "common_http_protocol_options: { idle_timeout: 0.3s }");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        // Back-to-back exchanges of 150 ms each: the connection lives three idle timeouts, never idle.
        var busy = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            var response = await ExchangeAsync(client, "GET /slow/150 HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200 ", response);
            Assert.DoesNotContain("connection: close", response);
        }
        Assert.True(busy.Elapsed >= TimeSpan.FromSeconds(0.9));
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_cx_idle_timeout"));

        // Once it stops, it is idle and closed.
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        await proxy.CounterReachesAsync("http.ingress.downstream_cx_idle_timeout", 1);
    }

    [Fact]
    public async Task RequestHeadersTimeoutAnswersAStalledRequestLineWith408AndCloses()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "request_headers_timeout: 0.3s");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        await client.SendAllAsync(Encoding.ASCII.GetBytes("GET /slowloris HT"));
        var raw = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

        Assert.StartsWith("HTTP/1.1 408 ", raw);
        Assert.Contains("connection: close\r\n", raw);
        Assert.EndsWith("\r\n\r\nrequest header timeout", raw);
        Assert.Equal(0, upstream.Requests);
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_header_timeout", 1);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_4xx"));
    }

    [Fact]
    public async Task RequestTimeoutWithAStalledBodyIs408AndTheUpstreamConnectionIsNotReused()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "request_timeout: 0.5s");
        using (var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http")))
        {
            // Half of a Content-Length body, then nothing: the upstream already has the head and 500 bytes.
            await client.SendAllAsync(Encoding.ASCII.GetBytes("POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + new string('a', 500)));
            var raw = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

            Assert.StartsWith("HTTP/1.1 408 ", raw);
            Assert.Contains("connection: close\r\n", raw);
            Assert.EndsWith("\r\n\r\nrequest timeout", raw);
        }
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_timeout", 1);

        // The upstream connection holding the truncated body was reset: the next request needs a new one.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        Assert.Equal("hello from /after", await http.GetStringAsync("/after"));
        Assert.Equal(2, upstream.Connections);
    }

    [Fact]
    public async Task StreamIdleTimeoutWhileWaitingForTheUpstreamIs504WithFlagSI()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var log = Path.Combine(Path.GetTempPath(), $"junction-timeout-{Guid.NewGuid():N}.log");
        await using var proxy = await StartAsync(upstream, "stream_idle_timeout: 0.5s", log);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        var waited = Stopwatch.StartNew();
        using var response = await http.GetAsync("/slow/3000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("stream timeout", await response.Content.ReadAsStringAsync());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2.5), $"answered after {waited.Elapsed.TotalMilliseconds:0} ms");
        await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
        Assert.Equal("504 SI GET /slow/3000 web -", File.ReadAllLines(log)[0]);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_idle_timeout"));
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_timeout"));
        File.Delete(log);
    }

    [Fact]
    public async Task ARouteIdleTimeoutReplacesTheStreamIdleTimeout()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/slow\" }, route: { cluster: web, timeout: 0s, idle_timeout: 0.3s } }", "{ match: { prefix: \"/\" }, route: { cluster: web, timeout: 0s } }"],
            new Dictionary<string, int> { ["web"] = upstream.Port }));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        // The connection manager's stream_idle_timeout is Envoy's 5 minutes; the route's 0.3 s applies.
        using var response = await http.GetAsync("/slow/5000");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("stream timeout", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_idle_timeout"));
    }

    [Fact]
    public async Task MaxStreamDurationEndsAnExchangeTheRouteTimeoutAllows()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/\" }, route: { cluster: web, timeout: 0s, max_stream_duration: { max_stream_duration: 0.3s } } }"],
            new Dictionary<string, int> { ["web"] = upstream.Port }));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        using var response = await http.GetAsync("/slow/5000");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_timeout"));
    }

    [Fact]
    public async Task ARouteIdleTimeoutOfZeroTurnsTheStreamIdleTimeoutOff()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/slow\" }, route: { cluster: web, timeout: 0s, idle_timeout: 0s } }", "{ match: { prefix: \"/\" }, route: { cluster: web, timeout: 0s } }"],
            new Dictionary<string, int> { ["web"] = upstream.Port }, "stream_idle_timeout: 0.3s"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        using var slow = await http.GetAsync("/slow/800");
        Assert.Equal("slow", await slow.Content.ReadAsStringAsync());
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_rq_idle_timeout"));
    }

    [Fact]
    public async Task StreamIdleTimeoutWhileTheClientStallsInItsBodyIs408WithFlagSI()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var log = Path.Combine(Path.GetTempPath(), $"junction-timeout-{Guid.NewGuid():N}.log");
        await using var proxy = await StartAsync(upstream, "stream_idle_timeout: 0.3s", log);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        await client.SendAllAsync(Encoding.ASCII.GetBytes("POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
        var raw = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

        Assert.StartsWith("HTTP/1.1 408 ", raw);
        Assert.EndsWith("\r\n\r\nstream timeout", raw);
        await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
        Assert.Equal("408 SI POST /sha256 web -", File.ReadAllLines(log)[0]);
        File.Delete(log);
    }

    [Fact]
    public async Task ClientThatStopsReadingALargeResponseIsResetByStreamIdleTimeout()
    {
        // The slow-read attack: a client asks for 100 MB and reads nothing. Once every buffer is full
        // the proxy's write to the client waits; the stream idle timer must still end the stream.
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "stream_idle_timeout: 0.5s");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));
        client.ReceiveBufferSize = 16 * 1024;
        await client.SendAllAsync(Encoding.ASCII.GetBytes("GET /bytes/104857600 HTTP/1.1\r\nHost: x\r\n\r\n"));

        await proxy.CounterReachesAsync("http.ingress.downstream_rq_idle_timeout", 1);
        await proxy.GaugeReachesAsync("http.ingress.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.web.upstream_cx_active", 0);
    }

    [Fact]
    public async Task IdleWebSocketTunnelIsResetByStreamIdleTimeout()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var log = Path.Combine(Path.GetTempPath(), $"junction-timeout-{Guid.NewGuid():N}.log");
        await using var proxy = await StartAsync(upstream, "stream_idle_timeout: 0.4s\nupgrade_configs: [{ upgrade_type: websocket }]", log);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Listener("http").Port}/ws"), CancellationToken.None);
        var buffer = new byte[64];
        await client.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(4, (await client.ReceiveAsync(buffer, CancellationToken.None)).Count);

        // Then silence both ways: the tunnel has no HTTP left to answer with, so it is reset.
        using var deadline = new CancellationTokenSource(SocketTestExtensions.DefaultTimeout);
        await Assert.ThrowsAsync<WebSocketException>(() => client.ReceiveAsync(buffer, deadline.Token));
        await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
        Assert.Equal("101 SI GET /ws web -", File.ReadAllLines(log)[0]);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_idle_timeout"));
        File.Delete(log);
    }

    [Fact]
    public async Task AfterMaxConnectionDurationTheExchangeInProgressSaysCloseAndTheConnectionEnds()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "common_http_protocol_options: { max_connection_duration: 0.5s }");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        var first = await ExchangeAsync(client, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("connection: close", first);
        // The duration passes while this one waits for the upstream.
        var second = await ExchangeAsync(client, "GET /slow/1000 HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", second);
        Assert.Contains("connection: close\r\n", second);
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_cx_max_duration_reached"));
    }

    [Fact]
    public async Task IdleConnectionIsClosedAtOnceWhenMaxConnectionDurationPasses()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream, "common_http_protocol_options: { max_connection_duration: 0.3s }");
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener("http"));

        var response = await ExchangeAsync(client, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("connection: close", response);

        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        await proxy.CounterReachesAsync("http.ingress.downstream_cx_max_duration_reached", 1);
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_cx_idle_timeout"));
    }

    [Theory]
    [InlineData("stream_idle_timeout: banana", "stream_idle_timeout")]
    [InlineData("request_timeout: 5", "request_timeout")]
    [InlineData("request_headers_timeout: -1s", "request_headers_timeout")]
    [InlineData("common_http_protocol_options: { idle_timeout: 1h }", "idle_timeout")]
    [InlineData("common_http_protocol_options: { max_connection_duration: soon }", "max_connection_duration")]
    [InlineData("delayed_close_timeout: 1s", "delayed_close_timeout")]
    public async Task BadOrUnsupportedTimeoutIsAnErrorNamingItsLine(string field, string name)
    {
        var yaml = HttpProxyFixture.Config(s_routes, new Dictionary<string, int> { ["web"] = 1 }, field);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessProxy.StartAsync(yaml));
        // The connection manager's extra fields start on line 11 of the fixture's YAML.
        Assert.Contains("test.yaml:11:", error.Message);
        Assert.Contains(name, error.Message);
    }

    /// <summary>
    /// Sends one request on a keep-alive connection and reads its whole response (Content-Length or
    /// chunked). Only one response is ever outstanding, so reading in blocks cannot take the next one's bytes.
    /// </summary>
    private static async Task<string> ExchangeAsync(Socket client, string request)
    {
        await client.SendAllAsync(Encoding.ASCII.GetBytes(request));
        using var deadline = new CancellationTokenSource(SocketTestExtensions.DefaultTimeout);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!IsComplete(received.ToString()))
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0) throw new EndOfStreamException($"the connection ended inside a response: {received}");
            received.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        return received.ToString();
    }

    private static bool IsComplete(string text)
    {
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0) return false;
        var head = text[..headEnd].ToLowerInvariant();
        const string field = "\r\ncontent-length: ";
        var at = head.IndexOf(field, StringComparison.Ordinal);
        if (at < 0) return head.Contains("\r\ntransfer-encoding: chunked") && text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        var start = at + field.Length;
        var end = head.IndexOf('\r', start);
        var length = int.Parse(end < 0 ? head[start..] : head[start..end]);
        return text.Length - headEnd - 4 >= length;
    }
}
