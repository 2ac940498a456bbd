using System.Net;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// A route's junction_fallback (Junction's extension): when the route's cluster has no healthy host or its
/// circuit breaker is open, the request goes to the fallback cluster or gets the fallback's direct response.
/// </summary>
public sealed class FallbackTests : IDisposable
{
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"junction-fallback-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_log);

    /// <summary>
    /// Cluster "web" (its one host fails its health check, and panic is off, so it has no healthy host
    /// unless <paramref name="webFields"/> says otherwise) and cluster "spare"; every request goes to web
    /// with <paramref name="fallback"/>. The access log writes the flags and the cluster of each request.
    /// </summary>
    private string Yaml(IPEndPoint web, IPEndPoint spare, string fallback, string webFields) => $$"""
        static_resources:
          listeners:
          - name: http
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: {{_log}}
                      log_format: { text_format_source: { inline_string: "%RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER%\n" } }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - { match: { prefix: "/" }, route: { cluster: web, timeout: 10s, junction_fallback: {{fallback}} } }
          clusters:
          - name: web
            connect_timeout: 1s
        {{webFields}}
            load_assignment:
              cluster_name: web
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{web.Port}} } } } }] }]
          - name: spare
            connect_timeout: 1s
            load_assignment:
              cluster_name: spare
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{spare.Port}} } } } }] }]
        """;

    private const string Unhealthy = """
            common_lb_config: { healthy_panic_threshold: { value: 0 } }
            health_checks:
            - { timeout: 1s, interval: 0.5s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: /health } }
        """;

    private async Task<string[]> LogLinesAsync(int count)
    {
        await Eventually.AssertAsync(() => File.Exists(_log) && File.ReadAllLines(_log).Length >= count, $"{count} access log lines");
        return File.ReadAllLines(_log);
    }

    [Fact]
    public async Task WithNoHealthyHostTheRequestGoesToTheFallbackCluster()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        await using var spare = await KestrelUpstream.StartAsync("spare");
        web.HealthStatus = 503;
        await using var proxy = await InProcessProxy.StartAsync(Yaml(web.EndPoint, spare.EndPoint, "{ cluster: spare }", Unhealthy));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        using var response = await client.GetAsync("/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("spare", response.Headers.GetValues("x-upstream").Single());
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_fallback"));
        Assert.Equal(1, proxy.Counter("cluster.spare.upstream_rq_total"));
        Assert.Equal(0, web.Requests - web.HealthRequests);
        Assert.Equal("200 UH,FB spare", (await LogLinesAsync(1))[0]);
    }

    [Fact]
    public async Task WithNoHealthyHostAFallbackDirectResponseAnswers()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        await using var spare = await KestrelUpstream.StartAsync("spare");
        web.HealthStatus = 503;
        var fallback = "{ direct_response: { status: 200, body: { inline_string: \"cached answer\" } } }";
        await using var proxy = await InProcessProxy.StartAsync(Yaml(web.EndPoint, spare.EndPoint, fallback, Unhealthy));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        using var response = await client.GetAsync("/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cached answer", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_fallback"));
        Assert.Equal(0, spare.Requests);
        Assert.Equal("200 UH,FB web", (await LogLinesAsync(1))[0]);
    }

    [Fact]
    public async Task WhenTheCircuitBreakerOverflowsTheRequestGoesToTheFallbackCluster()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        await using var spare = await KestrelUpstream.StartAsync("spare");
        // One connection and no waiting: while /gated holds the connection, the next request overflows.
        var breaker = """
                circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 0 }] }
            """;
        await using var proxy = await InProcessProxy.StartAsync(Yaml(web.EndPoint, spare.EndPoint, "{ cluster: spare }", breaker));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        var held = client.GetAsync("/gated");
        await proxy.GaugeReachesAsync("cluster.web.upstream_cx_active", 1);
        await Eventually.AssertAsync(() => web.Requests == 1, "the gated request at the upstream");
        using (var response = await client.GetAsync("/x"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("spare", response.Headers.GetValues("x-upstream").Single());
        }
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_overflow"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_fallback"));
        web.OpenGate();
        using (var first = await held) Assert.Equal("web", first.Headers.GetValues("x-upstream").Single());
        Assert.Contains("200 UO,FB spare", await LogLinesAsync(2));
    }
}
