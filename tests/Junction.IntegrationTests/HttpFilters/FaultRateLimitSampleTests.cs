using System.Diagnostics;
using System.Net;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>
/// config-samples/http-fault-ratelimit.yaml as shipped (only its ports moved: listeners to 0, the backend to
/// a Kestrel upstream): header-controlled faults, the /login limit, and the TCP listener's limit in place.
/// </summary>
[Collection("Http")]
public sealed class FaultRateLimitSampleTests
{
    [Fact]
    public async Task TheSampleInjectsFaultsOnRequestAndLimitsLogins()
    {
        await using var backend = await KestrelUpstream.StartAsync("backend");
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config-samples", "http-fault-ratelimit.yaml"))
            .Replace("port_value: 10000", "port_value: 0", StringComparison.Ordinal)
            .Replace("port_value: 10001", "port_value: 0", StringComparison.Ordinal)
            .Replace("port_value: 8080", "port_value: " + backend.Port, StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("edge").Port}") };

        Assert.Equal("hello from /", await client.GetStringAsync("/"));
        using (var abort = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            abort.Headers.Add("x-envoy-fault-abort-request", "503");
            using var response = await client.SendAsync(abort);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
        using (var delay = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            delay.Headers.Add("x-envoy-fault-delay-request", "100");
            var clock = Stopwatch.StartNew();
            using var response = await client.SendAsync(delay);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100));
        }

        // Ten logins a minute: the eleventh is refused with a Retry-After.
        for (var i = 0; i < 10; i++)
        {
            using var login = await client.PostAsync("/login", new StringContent("user=a"));
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }
        using (var refused = await client.PostAsync("/login", new StringContent("user=a")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("60", refused.Headers.GetValues("retry-after").Single());
        }
        Assert.Equal(1, proxy.Counter("login_rate_limit.http_local_rate_limit.enforced"));
        // The listener-wide limit saw the two requests the fault filter (first in the chain) let through.
        Assert.Equal(2, proxy.Counter("edge_rate_limit.http_local_rate_limit.ok"));
        Assert.Equal(1, proxy.Counter("http.edge.fault.aborts_injected"));
        Assert.Equal(1, proxy.Counter("http.edge.fault.delays_injected"));

        // The TCP listener passes connections within its limit straight to the backend.
        // No half-close: Kestrel may drop a request whose client already sent FIN before it was read.
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("tcp_edge"), "GET /tcp HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", halfClose: false);
        Assert.StartsWith("HTTP/1.1 200", raw);
        Assert.EndsWith("hello from /tcp", raw);
        Assert.Equal(0, proxy.Counter("local_ratelimit.tcp_edge.rate_limited"));
    }
}
