using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>HTTP/1.1 through the connection manager to real Kestrel upstreams, with HttpClient and curl as clients.</summary>
[Collection("Http")]
public sealed class HttpProxyTests
{
    private static async Task<(InProcessProxy Proxy, HttpClient Client)> StartAsync(IEnumerable<string> routes, IReadOnlyDictionary<string, int> clusters, string hcmFields = "", string accessLog = "")
    {
        var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(routes, clusters, hcmFields, accessLog));
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        return (proxy, client);
    }

    [Fact]
    public async Task GetIsProxiedWithServerHeaderAndForwardedHeaders()
    {
        await using var rig = await WebRig.StartAsync("use_remote_address: true");
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);

        using var response = await client.GetAsync("/headers/a?b=c");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("junction", response.Headers.Server.ToString());
        Assert.Equal("web", response.Headers.GetValues("x-upstream").Single());
        Assert.StartsWith("GET /headers/a?b=c\n", body);
        Assert.Contains("x-forwarded-for: 127.0.0.1\n", body);
        Assert.Contains("x-forwarded-proto: http\n", body);
        Assert.Matches("x-request-id: [0-9a-f-]{36}\n", body);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_2xx"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_total"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_2xx"));
        Assert.Equal(1, proxy.Stats.FindHistogram("cluster.web.upstream_rq_time")!.Count);
        Assert.Equal(1, proxy.Stats.FindHistogram("http.ingress.downstream_rq_time")!.Count);
    }

    [Fact]
    public async Task KeepAliveReusesOneUpstreamConnection()
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/n/{i}");
            Assert.Equal($"hello from /n/{i}", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(20, upstream.Requests);
        Assert.Equal(1, upstream.Connections);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_cx_total"));
    }

    [Fact]
    public async Task UserAgentRoutesAndroidAndIphoneToTheirClusters()
    {
        await using var android = await KestrelUpstream.StartAsync("android");
        await using var ios = await KestrelUpstream.StartAsync("ios");
        await using var web = await KestrelUpstream.StartAsync("web");
        var (proxy, client) = await StartAsync(new[]
            {
                "{ match: { prefix: \"/\", headers: [{ name: user-agent, string_match: { contains: Android } }] }, route: { cluster: android } }",
                "{ match: { prefix: \"/\", headers: [{ name: user-agent, string_match: { contains: iPhone } }] }, route: { cluster: ios } }",
                "{ match: { prefix: \"/\" }, route: { cluster: web } }",
            },
            new Dictionary<string, int> { ["android"] = android.Port, ["ios"] = ios.Port, ["web"] = web.Port });
        await using var _ = proxy;
        using var __ = client;

        foreach (var (agent, expected) in new[] { ("Mozilla/5.0 (Linux; Android 14)", "android"), ("Mozilla/5.0 (iPhone; CPU iPhone OS 17)", "ios"), ("curl/8", "web") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
            using var response = await client.SendAsync(request);
            Assert.Equal(expected, response.Headers.GetValues("x-upstream").Single());
        }

        // The same through real curl.
        var curl = await RunCurlAsync("-sS", "-D", "-", "-A", "Android", $"http://127.0.0.1:{proxy.Listener("http").Port}/");
        Assert.Contains("x-upstream: android", curl);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenMegabyteRequestBodyArrivesIntact(bool chunked)
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);

        var data = new byte[10 * 1024 * 1024];
        new Random(7).NextBytes(data);
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(data)) : new ByteArrayContent(data);
        using var response = await client.PostAsync("/sha256", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{data.Length} {Convert.ToHexString(SHA256.HashData(data))}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?chunked=1")]
    public async Task TenMegabyteResponseBodyArrivesIntact(string query)
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);

        const int size = 10 * 1024 * 1024;
        var expected = new byte[size];
        var random = new Random(42);
        var chunk = new byte[32 * 1024];
        for (var offset = 0; offset < size; offset += chunk.Length)
        {
            random.NextBytes(chunk);
            chunk.AsSpan(0, Math.Min(chunk.Length, size - offset)).CopyTo(expected.AsSpan(offset));
        }
        var body = await client.GetByteArrayAsync($"/bytes/{size}{query}");
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(body));
    }

    [Fact]
    public async Task NoRouteDirectResponseAndRedirectAreLocalReplies()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var (proxy, client) = await StartAsync(new[]
            {
                "{ match: { path: \"/ping\" }, direct_response: { status: 200, body: { inline_string: pong } } }",
                "{ match: { prefix: \"/old\" }, redirect: { path_redirect: \"/new\" } }",
                "{ match: { prefix: \"/api\" }, route: { cluster: web } }",
            },
            new Dictionary<string, int> { ["web"] = upstream.Port });
        await using var _ = proxy;
        using var __ = client;

        using (var response = await client.GetAsync("/ping"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("pong", await response.Content.ReadAsStringAsync());
        }
        using (var handlerless = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = client.BaseAddress })
        using (var response = await handlerless.GetAsync("/old/page"))
        {
            Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
            Assert.EndsWith("/new", response.Headers.Location!.ToString());
        }
        using (var response = await client.GetAsync("/nowhere"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        Assert.Equal(0, upstream.Requests);
        Assert.Equal(1, proxy.Counter("http.ingress.no_route"));
    }

    [Fact]
    public async Task RefusedUpstreamIs503WithUfAndTimeoutIs504WithUt()
    {
        using var refused = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        refused.Start();
        var deadPort = ((IPEndPoint)refused.LocalEndpoint).Port;
        refused.Stop();
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var log = Path.Combine(Path.GetTempPath(), $"junction-http-{Guid.NewGuid():N}.log");
        var (proxy, client) = await StartAsync(new[]
            {
                "{ match: { prefix: \"/dead\" }, route: { cluster: dead } }",
                "{ name: slow_route, match: { prefix: \"/slow\" }, route: { cluster: web, timeout: 0.2s } }",
            },
            new Dictionary<string, int> { ["dead"] = deadPort, ["web"] = upstream.Port }, accessLog: log);
        await using var _ = proxy;
        using var __ = client;

        using (var response = await client.GetAsync("/dead"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
        using (var response = await client.GetAsync("/slow/3000"))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("upstream request timeout", await response.Content.ReadAsStringAsync());
        }
        await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 2, "two access log lines");
        var lines = File.ReadAllLines(log);
        Assert.Equal("503 UF GET /dead dead -", lines[0]);
        Assert.Equal("504 UT GET /slow/3000 web slow_route", lines[1]);
        File.Delete(log);
    }

    [Fact]
    public async Task HeadResponseHasNoBodyButKeepsContentLength()
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"),
            "HEAD /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var responses = raw.Split("HTTP/1.1 200 OK\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, responses.Length);
        Assert.Contains("content-length: 1000\r\n", responses[0], StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\n", responses[0]);
        Assert.Contains("content-length: 3\r\n", responses[1], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PipelinedRequestsAreAnsweredInOrder()
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"),
            "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var one = raw.IndexOf("hello from /one", StringComparison.Ordinal);
        var two = raw.IndexOf("hello from /two", StringComparison.Ordinal);
        var three = raw.IndexOf("hello from /three", StringComparison.Ordinal);
        Assert.True(one > 0 && two > one && three > two, raw);
    }

    [Fact]
    public async Task HopByHopHeadersAreNotForwarded()
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"),
            "GET /headers/x HTTP/1.1\r\nHost: x\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
        Assert.Contains("x-kept: yes\n", raw);
        Assert.DoesNotContain("x-secret", raw);
        Assert.DoesNotContain("keep-alive: 5", raw);
        Assert.DoesNotContain("te: trailers", raw);
    }

    [Fact]
    public async Task Http10ClientGetsAClosedConnectionAfterAResponse()
    {
        await using var rig = await WebRig.StartAsync();
        var (upstream, proxy, client) = (rig.Upstream, rig.Proxy, rig.Client);
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), "GET /old HTTP/1.0\r\nHost: x\r\n\r\n", halfClose: false);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("connection: close\r\n", raw);
        Assert.EndsWith("hello from /old", raw);
    }

    /// <summary>One Kestrel upstream named "web" behind a proxy with a catch-all route, and a client for it.</summary>
    private sealed class WebRig : IAsyncDisposable
    {
        public required KestrelUpstream Upstream { get; init; }

        public required InProcessProxy Proxy { get; init; }

        public required HttpClient Client { get; init; }

        public static async Task<WebRig> StartAsync(string hcmFields = "")
        {
            var upstream = await KestrelUpstream.StartAsync("web");
            var (proxy, client) = await HttpProxyTests.StartAsync(new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" },
                new Dictionary<string, int> { ["web"] = upstream.Port }, hcmFields);
            return new WebRig { Upstream = upstream, Proxy = proxy, Client = client };
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }

    internal static async Task<string> RunCurlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl failed: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }

    /// <summary>Makes HttpClient send a body without Content-Length (chunked).</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
