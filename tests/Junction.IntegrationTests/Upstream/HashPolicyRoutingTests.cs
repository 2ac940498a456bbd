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

    [Theory]
    [InlineData("RING_HASH")]
    [InlineData("MAGLEV")]
    public async Task ARetryWithPreviousHostsGoesToTheHashsNextHostEveryTime(string policy)
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        await using var c = await KestrelUpstream.StartAsync("c");
        var yaml = UpstreamYaml.Http([a.EndPoint, b.EndPoint, c.EndPoint], $"    lb_policy: {policy}\n",
            routeAction: "hash_policy: [{ header: { header_name: x-user } }], retry_policy: { retry_on: 5xx, num_retries: 1, " +
                "retry_host_predicate: [{ name: envoy.retry_host_predicates.previous_hosts }], retry_back_off: { base_interval: 0.001s } }");
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        async Task<string> UpstreamFor(string user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/r");
            request.Headers.Add("x-user", user);
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return response.Headers.GetValues("x-upstream").Single();
        }

        // Which users hash to "a" while every host is up.
        var usersOfA = new List<string>();
        for (var user = 0; user < 40; user++)
        {
            if (await UpstreamFor($"user-{user}") == "a") usersOfA.Add($"user-{user}");
        }
        Assert.NotEmpty(usersOfA);

        a.FailStatus = 503;
        foreach (var user in usersOfA)
        {
            // Each retry of this user's request lands on the same host: the next one along its hash, never "a".
            var second = await UpstreamFor(user);
            Assert.NotEqual("a", second);
            for (var repeat = 0; repeat < 4; repeat++) Assert.Equal(second, await UpstreamFor(user));
        }
        Assert.Equal(5 * usersOfA.Count, proxy.Counter("cluster.web.upstream_rq_retry"));
        // "a" saw each of its users once while up, then each of their five failing first attempts.
        Assert.Equal(6 * usersOfA.Count, a.Requests);
    }
}
