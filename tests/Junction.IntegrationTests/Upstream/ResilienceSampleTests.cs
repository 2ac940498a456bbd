using System.Net;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.Upstream;

/// <summary>
/// config-samples/http-cascade-fallback.yaml and http-outlier-ejection.yaml as shipped, only their ports
/// moved (listeners and admin to 0, endpoints to Kestrel upstreams).
/// </summary>
public sealed class ResilienceSampleTests
{
    private static string Sample(string file, params (int From, int To)[] ports)
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config-samples", file))
            .Replace("port_value: 10000", "port_value: 0", StringComparison.Ordinal)
            .Replace("port_value: 9901", "port_value: 0", StringComparison.Ordinal);
        foreach (var (from, to) in ports) yaml = yaml.Replace($"port_value: {from} ", $"port_value: {to} ", StringComparison.Ordinal);
        return yaml;
    }

    private static async Task<string> AnsweredByAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/orders");
        var name = response.Headers.GetValues("x-upstream").Single();
        return response.StatusCode == HttpStatusCode.OK ? name : $"{name}:{(int)response.StatusCode}";
    }

    [Fact]
    public async Task TheCascadeSampleEjectsAFailingServiceBAndServesFromItsFallback()
    {
        await using var b = await KestrelUpstream.StartAsync("b");
        await using var fallback = await KestrelUpstream.StartAsync("b-fallback");
        var yaml = Sample("http-cascade-fallback.yaml", (8081, b.Port), (8082, fallback.Port));
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("service_a").Port}") };

        Assert.Equal("b", await AnsweredByAsync(client));
        b.FailStatus = 503;
        // B's failures pass through until the third in a row ejects it; then A answers from the fallback.
        Assert.Equal(["b:503", "b:503", "b:503"], [await AnsweredByAsync(client), await AnsweredByAsync(client), await AnsweredByAsync(client)]);
        // The ejection is reported as the exchange ends, just after the client has the response.
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.service_b.outlier_detection.ejections_active") == 1, "B ejected");
        for (var i = 0; i < 5; i++) Assert.Equal("b-fallback", await AnsweredByAsync(client));
        Assert.Equal(5, proxy.Counter("cluster.service_b.upstream_rq_fallback"));
        Assert.Equal(4, b.Requests);
    }

    [Fact]
    public async Task TheOutlierSampleEjectsTheBadEndpointAndKeepsTheOthers()
    {
        await using var one = await KestrelUpstream.StartAsync("one");
        await using var two = await KestrelUpstream.StartAsync("two");
        await using var bad = await KestrelUpstream.StartAsync("bad");
        bad.FailStatus = 500;
        var yaml = Sample("http-outlier-ejection.yaml", (8081, one.Port), (8082, two.Port), (8083, bad.Port));
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("ingress").Port}") };

        // Round robin over three: the bad endpoint's fifth 500 comes within fifteen requests.
        for (var i = 0; i < 15; i++) await AnsweredByAsync(client);
        Assert.Equal(5, bad.Requests);
        // Reported as the fifteenth exchange ends, which may be just after its response reached the client.
        await Eventually.AssertAsync(() => proxy.Counter("cluster.backend.outlier_detection.ejections_enforced_consecutive_5xx") == 1, "the bad endpoint ejected");
        var after = new List<string>();
        for (var i = 0; i < 10; i++) after.Add(await AnsweredByAsync(client));
        Assert.Equal(5, after.Count(n => n == "one"));
        Assert.Equal(5, after.Count(n => n == "two"));
        Assert.Equal(5, bad.Requests);
    }
}
