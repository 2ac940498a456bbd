using System.Net;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>junction_fallback once a route's retries are used up on a failing cluster.</summary>
[Collection("Http")]
public sealed class FallbackAfterRetriesTests
{
    [Fact]
    public async Task TheFallbackClusterAnswersWhenRetriesRunOut()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        await using var spare = await KestrelUpstream.StartAsync("spare");
        web.FailStatus = 503;
        var log = Path.Combine(Path.GetTempPath(), $"junction-fallback-retries-{Guid.NewGuid():N}.log");
        try
        {
            await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
                ["{ match: { prefix: \"/\" }, route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 2 }, junction_fallback: { cluster: spare } } }"],
                new Dictionary<string, int> { ["web"] = web.Port, ["spare"] = spare.Port }, accessLogPath: log));
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

            using var response = await client.GetAsync("/orders");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("spare", response.Headers.GetValues("x-upstream").Single());
            // The first try and both retries went to web before the fallback.
            Assert.Equal(3, web.Requests);
            Assert.Equal(1, spare.Requests);
            Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_fallback"));
            await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
            Assert.Equal("200 URX,FB GET /orders spare -", File.ReadAllLines(log)[0]);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task AFallbackDirectResponseAnswersWhenRetriesRunOut()
    {
        await using var web = await KestrelUpstream.StartAsync("web");
        web.FailStatus = 503;
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            ["{ match: { prefix: \"/\" }, route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 1 }, junction_fallback: { direct_response: { status: 200, body: { inline_string: \"cached answer\" } } } } }"],
            new Dictionary<string, int> { ["web"] = web.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        Assert.Equal("cached answer", await client.GetStringAsync("/orders"));
        Assert.Equal(2, web.Requests);
        // The client connection is still good for the next request.
        Assert.Equal("cached answer", await client.GetStringAsync("/orders"));
        Assert.Equal(4, web.Requests);
    }
}
