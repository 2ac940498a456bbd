using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Upstream;

/// <summary>Route hash_policy through the real proxy to consistent-hashing clusters of three Kestrel upstreams.</summary>
public sealed class HashPolicyRoutingTests
{
    [Theory]
    [InlineData("RING_HASH")]
    [InlineData("MAGLEV")]
    public async Task TheSameHeaderValueAlwaysReachesTheSameUpstream(string policy)
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        await using var c = await KestrelUpstream.StartAsync("c");
        var yaml = UpstreamYaml.Http([a.EndPoint, b.EndPoint, c.EndPoint], $"    lb_policy: {policy}\n",
            routeAction: "hash_policy: [{ header: { header_name: x-user } }]");
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        var chosen = new Dictionary<string, string>();
        for (var round = 0; round < 3; round++)
        {
            for (var user = 0; user < 30; user++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{round}");
                request.Headers.Add("x-user", $"user-{user}");
                using var response = await client.SendAsync(request);
                response.EnsureSuccessStatusCode();
                var upstream = response.Headers.GetValues("x-upstream").Single();
                if (chosen.TryGetValue($"user-{user}", out var first)) Assert.Equal(first, upstream);
                else chosen[$"user-{user}"] = upstream;
            }
        }

        // Thirty keys over three equal hosts: each gets some (the chance one gets none is ~1e-5).
        Assert.Equal(3, chosen.Values.Distinct().Count());
    }
}
