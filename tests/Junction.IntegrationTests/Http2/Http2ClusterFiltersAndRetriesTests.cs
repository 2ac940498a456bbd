using System.Net;
using System.Security.Cryptography;
using Junction.HttpFilters;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpFilters;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// Clusters that speak HTTP/2, reached by HTTP/1.1 and HTTP/2 clients through HTTP filters and retry
/// policies: a Kestrel upstream that listens for HTTP/2 only, with an endpoint that fails a set number
/// of attempts (503 or a stream reset) and reports each attempt's body hash.
/// </summary>
[Collection("Http")]
public sealed class Http2ClusterFiltersAndRetriesTests
{
    private const string Http2Cluster =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    private const string RetryRoute =
        "{ match: { prefix: \"/\" }, route: { cluster: h2, retry_policy: { retry_on: \"5xx,reset\", num_retries: 2, retry_back_off: { base_interval: 0.001s } } } }";

    private static TestFilterFactory Marking() => new("test.mark", () => new LambdaFilter
    {
        OnRequestHeaders = (_, headers, _) =>
        {
            headers.Set("x-filtered", "yes");
            return LambdaFilter.Continue;
        },
        OnResponseHeaders = (_, headers, _) =>
        {
            headers.Set("x-encoded", headers.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return LambdaFilter.Continue;
        },
    });

    private static async Task<(GrpcWireUpstream Upstream, InProcessProxy Proxy, HttpClient Client)> StartAsync(string codec, bool http2Client,
        string route = RetryRoute, IHttpFilterFactory[]? factories = null, string[]? filters = null)
    {
        var upstream = await GrpcWireUpstream.StartAsync();
        var yaml = HttpProxyFixture.Config([route], new Dictionary<string, int> { ["h2"] = upstream.EndPoint.Port }, $"codec_type: {codec}",
            clusterFields: Http2Cluster, httpFilters: filters);
        var proxy = await InProcessProxy.StartAsync(yaml, factories ?? []);
        var url = $"http://127.0.0.1:{proxy.Listener("http").Port}";
        var client = http2Client ? Http2ProxyTests.Rig.Http2Client(url) : new HttpClient { BaseAddress = new Uri(url) };
        return (upstream, proxy, client);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FiltersSeeRequestsAndResponsesOfAnHttp2Cluster(bool http2Client)
    {
        var (upstream, proxy, client) = await StartAsync("AUTO", http2Client, "{ match: { prefix: \"/\" }, route: { cluster: h2 } }",
            [Marking(), new TestFilterFactory("test.deny", () => new LambdaFilter
            {
                OnRequestHeaders = (self, headers, _) =>
                {
                    if (!headers.Path.StartsWith("/flaky/denied", StringComparison.Ordinal)) return LambdaFilter.Continue;
                    self.Callbacks.SendLocalReply(403, "no entry");
                    return LambdaFilter.Stop;
                },
            })],
            ["{ name: test.mark }", "{ name: test.deny }", "{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1048576 } }"]);
        await using var _ = upstream;
        await using var __ = proxy;
        using var ___ = client;

        using var echoed = await client.GetAsync("/echo/a");
        var text = await echoed.Content.ReadAsStringAsync();
        Assert.StartsWith("HTTP/2 GET /echo/a\n", text);
        Assert.Contains("x-filtered: yes\n", text);
        Assert.Equal("200", echoed.Headers.GetValues("x-encoded").Single());

        // The buffer filter holds a body sent without a length and releases it whole: it arrives intact.
        var payload = SeededData.Bytes(4, 500_000);
        using var hashed = await client.PostAsync("/sha256", new StreamContent(new NonSeekableStream(payload)));
        Assert.Equal($"500000 {Convert.ToHexString(SHA256.HashData(payload))}", await hashed.Content.ReadAsStringAsync());

        using var denied = await client.GetAsync("/flaky/denied");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("403", denied.Headers.GetValues("x-encoded").Single());
        Assert.Equal(0, upstream.Attempts("denied"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two503sFromAnHttp2ClusterAreRetried(bool http2Client)
    {
        var (upstream, proxy, client) = await StartAsync("AUTO", http2Client);
        await using var _ = upstream;
        await using var __ = proxy;
        using var ___ = client;

        using var response = await client.GetAsync("/flaky/twice?fail=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("attempt 3 0 ", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.Attempts("twice"));
        await Eventually.AssertAsync(() => proxy.Counter("cluster.h2.upstream_rq_retry_success") == 1, "the retried request ended");
        Assert.Equal(2, proxy.Counter("cluster.h2.upstream_rq_retry"));
        Assert.Equal(3, proxy.Counter("cluster.h2.upstream_rq_total"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task AResetStreamIsRetriedWithTheBodyReplayed(bool http2Client, bool withFilters)
    {
        var (upstream, proxy, client) = withFilters
            ? await StartAsync("AUTO", http2Client, factories: [Marking()], filters: ["{ name: test.mark }"])
            : await StartAsync("AUTO", http2Client);
        await using var _ = upstream;
        await using var __ = proxy;
        using var ___ = client;
        var payload = SeededData.Bytes(8, 300_000);

        using var response = await client.PostAsync("/flaky/reset?fail=1&reset=1", new ByteArrayContent(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"attempt 2 300000 {Convert.ToHexString(SHA256.HashData(payload))}", await response.Content.ReadAsStringAsync());
        if (withFilters) Assert.Equal("200", response.Headers.GetValues("x-encoded").Single());
        Assert.Equal(2, upstream.Attempts("reset"));
        await Eventually.AssertAsync(() => proxy.Counter("cluster.h2.upstream_rq_retry") == 1, "one retry counted");
    }

    [Fact]
    public async Task RetriesStopAtNumRetriesWithTheLastAnswer()
    {
        var (upstream, proxy, client) = await StartAsync("HTTP1", http2Client: false);
        await using var _ = upstream;
        await using var __ = proxy;
        using var ___ = client;

        using var response = await client.GetAsync("/flaky/always?fail=10");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("attempt 3 ", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.Attempts("always"));
        await Eventually.AssertAsync(() => proxy.Counter("cluster.h2.upstream_rq_retry_limit_exceeded") == 1, "the limit counted");
    }

    /// <summary>A stream of unknown length, so HttpClient sends it chunked (or without content-length).</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
