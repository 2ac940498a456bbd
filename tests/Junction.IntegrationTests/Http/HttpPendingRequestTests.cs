using System.Net;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// Requests that find every upstream connection the cluster may open busy: they wait (pending) up to
/// max_pending_requests, take a connection another request hands back, and fail with 503 UO beyond
/// the limit or 504 UT when their route timeout passes first.
/// </summary>
[Collection("Http")]
public sealed class HttpPendingRequestTests
{
    private const string Breakers = "circuit_breakers: { thresholds: [ { max_connections: 1, max_pending_requests: 1 } ] }";

    [Fact]
    public async Task ARequestWaitsForTheBusyConnectionAndOneTooManyIsRefused()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/\" }, route: { cluster: web } }"], new Dictionary<string, int> { ["web"] = upstream.Port }, clusterFields: Breakers));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        var first = client.GetAsync("/gated");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the first request reached the upstream");
        var second = client.GetAsync("/second");
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.web.upstream_rq_pending_active") == 1, "the second request is pending");
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.rq_pending_open"));

        using var third = await client.GetAsync("/third");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        Assert.Contains("overflow", await third.Content.ReadAsStringAsync());
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_overflow"));

        upstream.OpenGate();
        using var firstResponse = await first;
        using var secondResponse = await second;
        Assert.Equal("through the gate", await firstResponse.Content.ReadAsStringAsync());
        Assert.Equal("hello from /second", await secondResponse.Content.ReadAsStringAsync());
        // The waiting request took the connection the first one handed back.
        Assert.Equal(1, upstream.Connections);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_total"));
        Assert.Equal(0, proxy.Gauge("cluster.web.upstream_rq_pending_active"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_pending_open"));
    }

    [Fact]
    public async Task AWaiterGetsAFreshConnectionWhenTheBusyOneCloses()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/\" }, route: { cluster: web } }"], new Dictionary<string, int> { ["web"] = upstream.Port }, clusterFields: Breakers));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        // "Connection: close" from the client: the first request's upstream connection is not reused.
        using var closing = new HttpRequestMessage(HttpMethod.Get, "/gated");
        closing.Headers.ConnectionClose = true;
        var first = client.SendAsync(closing);
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the first request reached the upstream");
        var second = client.GetAsync("/second");
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.web.upstream_rq_pending_active") == 1, "the second request is pending");

        upstream.OpenGate();
        using var firstResponse = await first;
        using var secondResponse = await second;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal("hello from /second", await secondResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task APendingRequestPastItsRouteTimeoutIs504()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/gated\" }, route: { cluster: web } }", "{ match: { prefix: \"/\" }, route: { cluster: web, timeout: 0.3s } }"],
            new Dictionary<string, int> { ["web"] = upstream.Port }, clusterFields: Breakers));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        var first = client.GetAsync("/gated");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the first request reached the upstream");
        using var waited = await client.GetAsync("/waits");
        Assert.Equal(HttpStatusCode.GatewayTimeout, waited.StatusCode);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_total"));
        Assert.Equal(0, proxy.Gauge("cluster.web.upstream_rq_pending_active"));

        upstream.OpenGate();
        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(1, upstream.Requests);
    }
}
