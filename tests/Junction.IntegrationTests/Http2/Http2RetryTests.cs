using System.Net;
using System.Security.Cryptography;
using Junction.HttpFilters;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpFilters;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// Retries for requests that arrive over HTTP/2: the same policies as on HTTP/1.1 against scripted
/// upstreams that fail, reset and hang, each attempt on a new upstream connection so counts are exact.
/// </summary>
[Collection("Http")]
public sealed class Http2RetryTests
{
    private static readonly UpstreamStep Unavailable = new UpstreamStep.Respond(503, "unavailable");
    private static readonly UpstreamStep Ok = new UpstreamStep.Respond(200, "ok");

    private static string Route(string retryPolicy, string prefix = "/") =>
        $"{{ match: {{ prefix: \"{prefix}\" }}, route: {{ cluster: web, retry_policy: {retryPolicy} }} }}";

    private static Task<InProcessProxy> StartAsync(ScriptedHttpUpstream upstream, string[] routes, string listenerFields = "",
        IEnumerable<string>? httpFilters = null, params IHttpFilterFactory[] filters) =>
        InProcessProxy.StartAsync(HttpProxyFixture.Config(routes, new Dictionary<string, int> { ["web"] = upstream.Port }, "codec_type: HTTP2",
            listenerFields: listenerFields, httpFilters: httpFilters), filters);

    private static HttpClient ClientFor(InProcessProxy proxy) => Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");

    [Fact]
    public async Task Two503sAreRetriedAndTheThirdAttemptsAnswerIsReturned()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, num_retries: 2, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/flaky");
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.Requests);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.upstream_rq_retry_success") == 1, "the retried stream ended");
        Assert.Equal(3, proxy.Counter("cluster.web.upstream_rq_total"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_5xx"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_retry_open"));
    }

    [Fact]
    public async Task RetriesStopAtNumRetriesWithTheLastResponse()
    {
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Respond(503, "first"), new UpstreamStep.Respond(503, "second"), Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, num_retries: 1, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("second", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, upstream.Requests);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.upstream_rq_retry_limit_exceeded") == 1, "the stream ended");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APostBodyIsReplayedByteIdentical(bool withLength)
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(300 * 1024);
        HttpContent content = withLength ? new ByteArrayContent(body) : new StreamContent(new NonSeekableStream(body));

        using var response = await client.PostAsync("/upload", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = upstream.Received;
        Assert.Equal(2, received.Count);
        var expected = Convert.ToHexString(SHA256.HashData(body));
        Assert.All(received, request => Assert.Equal(expected, request.BodySha256));
        // Every attempt carries the same generated request id.
        Assert.NotNull(received[0].Header("x-request-id"));
        Assert.Equal(received[0].Header("x-request-id"), received[1].Header("x-request-id"));
    }

    [Fact]
    public async Task ABodyBeyondTheBufferLimitStreamsAndIsNotRetried()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")],
            listenerFields: "per_connection_buffer_limit_bytes: 65536");
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(256 * 1024);

        using var response = await client.PostAsync("/big", new StreamContent(new NonSeekableStream(body)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Requests);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), Assert.Single(upstream.Received).BodySha256);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.retry_or_shadow_abandoned") == 1, "the body outgrew the buffer");
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_retry"));
    }

    [Fact]
    public async Task AResetIsRetriedUnderReset()
    {
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Reset(), Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: reset, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/reset");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Requests);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.upstream_rq_retry") == 1, "one retry counted");
    }

    [Fact]
    public async Task PerTryTimeoutRetriesAHungAttemptAndTheLastOneIs504()
    {
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Hang(), Ok, new UpstreamStep.Hang(), new UpstreamStep.Hang());
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using (var recovered = await client.GetAsync("/slow"))
        {
            Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        }
        Assert.Equal(2, upstream.Requests);
        using (var timedOut = await client.GetAsync("/slow"))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
            Assert.Equal("upstream request timeout", await timedOut.Content.ReadAsStringAsync());
        }
        Assert.Equal(4, upstream.Requests);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.upstream_rq_per_try_timeout") == 3, "three attempts timed out");
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry"));
    }

    [Fact]
    public async Task AConnectFailureIsRetriedOnTheNextHost()
    {
        using var refusing = new RefusingEndPoint();
        await using var healthy = new ScriptedHttpUpstream();
        var yaml = HttpProxyFixture.Config(
            [Route("{ retry_on: connect-failure, num_retries: 3, retry_back_off: { base_interval: 0.001s } }")],
            new Dictionary<string, int> { ["web"] = refusing.EndPoint.Port }, "codec_type: HTTP2")
            .Replace($"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {refusing.EndPoint.Port} }} }} }}",
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {refusing.EndPoint.Port} }} }} }}\n" +
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {healthy.Port} }} }} }}", StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = ClientFor(proxy);

        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(4, healthy.Requests);
        await Eventually.AssertAsync(() => proxy.Counter("cluster.web.upstream_cx_connect_fail") == proxy.Counter("cluster.web.upstream_rq_retry"),
            "every connect failure was retried");
        Assert.True(proxy.Counter("cluster.web.upstream_rq_retry") >= 1);
    }

    [Fact]
    public async Task WithHttpFiltersTheFilteredRequestIsReplayedAndEncodersSeeOnlyTheFinalResponse()
    {
        var encodedStatuses = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var filter = new TestFilterFactory("test.retry", () => new LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) =>
            {
                headers.Set("x-filtered", "yes");
                return LambdaFilter.Continue;
            },
            OnResponseHeaders = (_, headers, _) =>
            {
                encodedStatuses.Enqueue(headers.Status);
                return LambdaFilter.Continue;
            },
        });
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")],
            httpFilters: ["{ name: test.retry }"], filters: filter);
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(100 * 1024);

        using var response = await client.PostAsync("/filtered", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Received.Count);
        Assert.All(upstream.Received, request =>
        {
            Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), request.BodySha256);
            Assert.Equal("yes", request.Header("x-filtered"));
        });
        Assert.Equal([200], encodedStatuses.ToArray());
    }

    /// <summary>A stream of unknown length, so HttpClient sends it without content-length.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
