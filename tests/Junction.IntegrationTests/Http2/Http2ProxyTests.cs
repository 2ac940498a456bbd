using System.Net;
using System.Security.Cryptography;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpPeers;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// HTTP/2 clients (cleartext, prior knowledge) through the connection manager to an HTTP/1.1 Kestrel
/// upstream: curl, nghttp, h2load and HttpClient.
/// </summary>
[Collection("Http")]
public sealed class Http2ProxyTests
{
    private const string WebRoute = "{ match: { prefix: \"/\" }, route: { cluster: web } }";

    [Theory]
    [InlineData("HTTP2")]
    [InlineData("AUTO")]
    public async Task CurlWithPriorKnowledgeIsProxied(string codec)
    {
        await using var rig = await Rig.StartAsync($"codec_type: {codec}");
        var output = await PeerTools.CurlAsync("-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{response_code}", $"{rig.Url}/headers/a?b=c");
        Assert.StartsWith("GET /headers/a?b=c\n", output);
        Assert.Contains("host: 127.0.0.1:", output);
        Assert.Contains("x-forwarded-proto: http\n", output);
        Assert.EndsWith("\n2 200", output);
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_2xx") == 1, "responses counted as their streams end");
    }

    [Fact]
    public async Task AutoServesHttp11AndHttp2OnOneListener()
    {
        await using var rig = await Rig.StartAsync("codec_type: AUTO");
        var http11 = await PeerTools.CurlAsync("-sS", "-w", " %{http_version}", $"{rig.Url}/one");
        var http2 = await PeerTools.CurlAsync("-sS", "--http2-prior-knowledge", "-w", " %{http_version}", $"{rig.Url}/two");
        Assert.Equal("hello from /one 1.1", http11);
        Assert.Equal("hello from /two 2", http2);
    }

    [Fact]
    public async Task HttpClientRunsManyConcurrentStreamsOnOneConnection()
    {
        await using var rig = await Rig.StartAsync("codec_type: HTTP2");
        using var client = Rig.Http2Client(rig.Url);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.GetStringAsync($"/n/{i}")));
        for (var i = 0; i < responses.Length; i++) Assert.Equal($"hello from /n/{i}", responses[i]);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_cx_total"));
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_2xx") == 200, "responses counted as their streams end");
    }

    [Fact]
    public async Task LargeBodiesCrossBothWaysUnderSmallWindowsIntact()
    {
        // 64 KiB windows: the body moves only as fast as each side grants window.
        await using var rig = await Rig.StartAsync("codec_type: HTTP2\nhttp2_protocol_options: { initial_stream_window_size: 65535, initial_connection_window_size: 65535 }");
        using var client = Rig.Http2Client(rig.Url);
        var payload = SeededData.Bytes(5, 100 * 1024 * 1024);

        using var upload = await client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await upload.Content.ReadAsStringAsync());

        // Chunked upload (no content-length) is re-framed as chunked for the HTTP/1.1 upstream.
        using var streamed = await client.PostAsync("/sha256", new StreamContent(new MemoryStream(payload)));
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await streamed.Content.ReadAsStringAsync());

        // The upstream's bytes come from Random(42), byte by byte.
        var download = await client.GetByteArrayAsync("/bytes/100000000");
        var expected = new byte[100_000_000];
        new Random(42).NextBytes(expected);
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(download));
        var chunked = await client.GetByteArrayAsync("/bytes/3000000?chunked=1");
        Assert.Equal(3_000_000, chunked.Length);
        Assert.Equal(download.AsSpan(0, 3_000_000).ToArray(), chunked);
    }

    [Fact]
    public async Task NghttpFetchesThroughTheProxy()
    {
        await using var rig = await Rig.StartAsync("codec_type: HTTP2");
        var (exitCode, stdout, stderr) = await PeerTools.RunAsync(PeerTools.Find("nghttp"), ["-n", "-s", $"{rig.Url}/a", $"{rig.Url}/b"], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("200", stdout);
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_2xx") == 2, "responses counted as their streams end");
    }

    [Fact]
    public async Task H2loadSeesNoErrors()
    {
        await using var rig = await Rig.StartAsync("codec_type: HTTP2");
        var (exitCode, stdout, stderr) = await PeerTools.RunAsync(PeerTools.Find("h2load"), ["-n", "2000", "-c", "4", "-m", "16", $"{rig.Url}/load"], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("2000 succeeded, 0 failed, 0 errored", stdout);
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_2xx") == 2000, "responses counted as their streams end");
    }

    [Fact]
    public async Task LocalRepliesAndUpstreamStatusesKeepTheirCodes()
    {
        await using var rig = await Rig.StartAsync("codec_type: HTTP2",
            ["{ match: { prefix: \"/direct\" }, direct_response: { status: 418, body: { inline_string: teapot } } }",
             "{ match: { prefix: \"/moved\" }, redirect: { path_redirect: \"/new\" } }", WebRoute]);
        using var client = Rig.Http2Client(rig.Url);

        using var direct = await client.GetAsync("/direct");
        Assert.Equal((HttpStatusCode)418, direct.StatusCode);
        Assert.Equal("teapot", await direct.Content.ReadAsStringAsync());
        using var moved = await client.GetAsync("/moved");
        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.EndsWith("/new", moved.Headers.Location!.ToString());
        using var status = await client.GetAsync("/status/503");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status.StatusCode);
        Assert.Equal("web", status.Headers.GetValues("x-upstream").Single());
        Assert.Equal(HttpVersion.Version20, status.Version);
    }

    [Fact]
    public async Task BodiesTheProxyNeverReadsGiveTheirWindowBack()
    {
        // 1 MiB streams and connection windows: each unread upload below would use up the connection's
        // window for good if its bytes were not given back.
        await using var rig = await Rig.StartAsync("codec_type: HTTP2\nhttp2_protocol_options: { initial_stream_window_size: 1048576, initial_connection_window_size: 1048576 }",
            ["{ match: { prefix: \"/direct\" }, direct_response: { status: 200, body: { inline_string: done } } }", WebRoute]);
        using var client = Rig.Http2Client(rig.Url);
        var payload = SeededData.Bytes(3, 900 * 1024);

        for (var i = 0; i < 8; i++)
        {
            using var answered = await client.PostAsync("/direct", new ByteArrayContent(payload));
            Assert.Equal("done", await answered.Content.ReadAsStringAsync());
        }
        using var forwarded = await client.PostAsync("/sha256", new ByteArrayContent(payload)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await forwarded.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AFullClusterSendsHttp2StreamsToTheFallback()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        await using var spare = await KestrelUpstream.StartAsync("spare");
        // web takes no request at all (max_requests: 0): every stream overflows to the fallback.
        var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: web, junction_fallback: { cluster: spare } } }"],
            new Dictionary<string, int> { ["web"] = web.Port, ["spare"] = spare.Port }, "codec_type: HTTP2",
            clusterFields: "circuit_breakers: { thresholds: [ { max_requests: 0 } ] }");
        // clusterFields applies to both clusters; give spare its own room by routing through web only.
        await using var proxy = await InProcessProxy.StartAsync(yaml.Replace("  - name: spare\n    connect_timeout: 1s\n    circuit_breakers: { thresholds: [ { max_requests: 0 } ] }", "  - name: spare\n    connect_timeout: 1s"));
        using var client = Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");

        using var response = await client.GetAsync("/x");
        Assert.Equal("spare", response.Headers.GetValues("x-upstream").Single());
        Assert.Equal(0, web.Requests);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_fallback"));
    }

    internal sealed class Rig : IAsyncDisposable
    {
        public required KestrelUpstream Upstream { get; init; }

        public required InProcessProxy Proxy { get; init; }

        public string Url => $"http://127.0.0.1:{Proxy.Listener("http").Port}";

        public static async Task<Rig> StartAsync(string hcmFields, string[]? routes = null)
        {
            var upstream = await KestrelUpstream.StartAsync("web");
            var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(routes ?? [WebRoute], new Dictionary<string, int> { ["web"] = upstream.Port }, hcmFields));
            return new Rig { Upstream = upstream, Proxy = proxy };
        }

        /// <summary>An HttpClient that speaks HTTP/2 over cleartext with prior knowledge.</summary>
        public static HttpClient Http2Client(string url) => new(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(url),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
