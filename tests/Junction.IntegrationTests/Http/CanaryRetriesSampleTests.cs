using System.Net;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// config-samples/http-canary-retries.yaml as shipped (only its ports moved): each version's first
/// request fails with 503 and its retry succeeds, whichever version the weighted pick sends it to.
/// </summary>
[Collection("Http")]
public sealed class CanaryRetriesSampleTests
{
    [Fact]
    public async Task TheSampleRetriesAFailedAttemptWithinTheChosenVersion()
    {
        await using var stable = new ScriptedHttpUpstream(new UpstreamStep.Respond(503, "v1 down"));
        await using var canary = new ScriptedHttpUpstream(new UpstreamStep.Respond(503, "v2 down"));
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config-samples", "http-canary-retries.yaml"))
            .Replace("port_value: 8080", "port_value: 0", StringComparison.Ordinal)
            .Replace("port_value: 8101", "port_value: " + stable.Port, StringComparison.Ordinal)
            .Replace("port_value: 8102", "port_value: " + canary.Port, StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("api").Port}") };

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/items/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // One retry per version that was picked at all; the canary's requests carry its header.
        var versionsUsed = (stable.Requests > 0 ? 1 : 0) + (canary.Requests > 0 ? 1 : 0);
        Assert.Equal(20 + versionsUsed, stable.Requests + canary.Requests);
        Assert.Equal(versionsUsed, proxy.Counter("cluster.api_v1.upstream_rq_retry") + proxy.Counter("cluster.api_v2.upstream_rq_retry"));
        Assert.All(canary.Received, request => Assert.Equal("true", request.Header("x-canary")));
        Assert.Equal(3, proxy.Gauge("cluster.api_v2.circuit_breakers.default.remaining_retries"));
        Assert.Equal(64, proxy.Gauge("cluster.api_v2.circuit_breakers.default.remaining_rq"));
    }
}
