using System.Net;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// A route's <c>priority: HIGH</c> counts its requests against the cluster's HIGH thresholds: overflow at
/// one priority leaves the other untouched, with separate <c>circuit_breakers.default.*</c> and
/// <c>circuit_breakers.high.*</c> gauges, and HIGH requests open connections of their own.
/// </summary>
[Collection("Http")]
public sealed class CircuitBreakerPriorityTests
{
    // /high/... goes to the same cluster at HIGH priority, its path rewritten to /... (so /high/gated waits at the gate).
    private static readonly string[] Routes =
    [
        "{ match: { prefix: \"/high/\" }, route: { cluster: web, priority: HIGH, prefix_rewrite: \"/\" } }",
        "{ match: { prefix: \"/\" }, route: { cluster: web } }",
    ];

    private static Task<InProcessProxy> StartAsync(KestrelUpstream upstream, string thresholds) =>
        InProcessProxy.StartAsync(HttpProxyFixture.Config(Routes, new Dictionary<string, int> { ["web"] = upstream.Port },
            clusterFields: $"circuit_breakers: {{ thresholds: [ {thresholds} ] }}"));

    private static HttpClient ClientFor(InProcessProxy proxy) => new() { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

    [Fact]
    public async Task AFullDefaultPriorityRefusesDefaultRequestsButNotHighOnes()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream,
            "{ max_requests: 1, track_remaining: true }, { priority: HIGH, max_requests: 10, track_remaining: true }");
        using var client = ClientFor(proxy);

        var held = client.GetAsync("/gated");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the DEFAULT request reached the upstream");
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.rq_open"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_rq"));

        using (var refused = await client.GetAsync("/another"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("overflow", await refused.Content.ReadAsStringAsync());
        }
        using (var high = await client.GetAsync("/high/through"))
        {
            Assert.Equal(HttpStatusCode.OK, high.StatusCode);
            Assert.Equal("hello from /through", await high.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_overflow"));
        // The HIGH exchange gives its place back just after its response went out.
        await proxy.GaugeReachesAsync("cluster.web.circuit_breakers.high.remaining_rq", 10);
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.high.rq_open"));
        // The held DEFAULT request still fills DEFAULT.
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_rq"));

        upstream.OpenGate();
        using var heldResponse = await held;
        Assert.Equal(HttpStatusCode.OK, heldResponse.StatusCode);
        await proxy.GaugeReachesAsync("cluster.web.circuit_breakers.default.remaining_rq", 1);
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_open"));
    }

    [Fact]
    public async Task AFullHighPriorityRefusesHighRequestsButNotDefaultOnes()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream,
            "{ max_requests: 10, track_remaining: true }, { priority: HIGH, max_requests: 1, track_remaining: true }");
        using var client = ClientFor(proxy);

        var held = client.GetAsync("/high/gated");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the HIGH request reached the upstream");
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.high.rq_open"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.high.remaining_rq"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_open"));

        using (var refused = await client.GetAsync("/high/another"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        using (var normal = await client.GetAsync("/through"))
        {
            Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        }
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_overflow"));
        await proxy.GaugeReachesAsync("cluster.web.circuit_breakers.default.remaining_rq", 10);
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.high.remaining_rq"));

        upstream.OpenGate();
        using var heldResponse = await held;
        Assert.Equal(HttpStatusCode.OK, heldResponse.StatusCode);
        await proxy.GaugeReachesAsync("cluster.web.circuit_breakers.high.remaining_rq", 1);
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.high.rq_open"));
    }

    [Fact]
    public async Task AHighRequestOpensItsOwnConnectionWhileDefaultConnectionsAreFull()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await StartAsync(upstream,
            "{ max_connections: 1, max_pending_requests: 0 }, { priority: HIGH, max_connections: 1, track_remaining: true }");
        using var client = ClientFor(proxy);

        var held = client.GetAsync("/gated");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the DEFAULT request holds the only DEFAULT connection");
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.cx_open"));

        // DEFAULT: no connection and no room to wait; HIGH: a connection of its own, counted at HIGH.
        using (var refused = await client.GetAsync("/another"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        using (var high = await client.GetAsync("/high/through"))
        {
            Assert.Equal(HttpStatusCode.OK, high.StatusCode);
        }
        Assert.Equal(2, upstream.Connections);
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.high.cx_open"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.high.remaining_cx"));

        upstream.OpenGate();
        using var heldResponse = await held;
        Assert.Equal(HttpStatusCode.OK, heldResponse.StatusCode);
    }
}
