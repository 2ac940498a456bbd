using System.Net;
using Junction.Core.Upstream;

namespace Junction.Core.Tests.Upstream;

public sealed class LoadBalancingPolicyTests
{
    private static HostSet Hosts(params int[] weights) =>
        new(weights.Select((w, i) => new UpstreamHost(new IPEndPoint(IPAddress.Loopback, 1000 + i), w, null)).ToArray());

    [Fact]
    public void RoundRobinWithEqualWeightsRotates()
    {
        var hosts = Hosts(1, 1, 1);
        var policy = new RoundRobinPolicy();
        var picks = Enumerable.Range(0, 9).Select(_ => policy.Pick(hosts)!.Address.Port).ToArray();
        Assert.All(hosts.Hosts, h => Assert.Equal(3, picks.Count(p => p == h.Address.Port)));
        // A rotation never picks the same host twice in a row.
        for (var i = 1; i < picks.Length; i++) Assert.NotEqual(picks[i - 1], picks[i]);
    }

    [Fact]
    public void SmoothWeightedRoundRobinInterleavesByWeight()
    {
        var hosts = Hosts(5, 1, 1);
        var policy = new RoundRobinPolicy();
        var picks = Enumerable.Range(0, 7).Select(_ => policy.Pick(hosts)!.Address.Port - 1000).ToArray();
        // nginx's smooth sequence for 5:1:1 is a a b a c a a: the heavy host never takes more than
        // its share in one burst.
        Assert.Equal(new[] { 0, 0, 1, 0, 2, 0, 0 }, picks);
    }

    [Fact]
    public void WeightedRoundRobinIsExactOverWholeCycles()
    {
        var hosts = Hosts(3, 1, 1);
        var policy = new RoundRobinPolicy();
        var counts = new int[3];
        for (var i = 0; i < 500; i++) counts[policy.Pick(hosts)!.Address.Port - 1000]++;
        Assert.Equal(new[] { 300, 100, 100 }, counts);
    }

    [Fact]
    public void RandomFollowsWeightsWithinTolerance()
    {
        var hosts = Hosts(8, 2);
        var policy = new RandomPolicy();
        var heavy = 0;
        const int draws = 20_000;
        for (var i = 0; i < draws; i++) if (policy.Pick(hosts)!.Address.Port == 1000) heavy++;
        // Expected 80%; the standard deviation over 20k draws is 0.28%, so 3 points is > 10 sigma.
        Assert.InRange(heavy / (double)draws, 0.77, 0.83);
    }

    [Fact]
    public void LeastRequestPrefersTheLessLoadedHost()
    {
        var hosts = Hosts(1, 1);
        for (var i = 0; i < 10; i++) hosts.Hosts[0].ConnectionOpened();
        var policy = new LeastRequestPolicy();
        var toIdle = 0;
        for (var i = 0; i < 1000; i++) if (policy.Pick(hosts) == hosts.Hosts[1]) toIdle++;
        // Two random choices pick the idle host unless both draws land on the busy one (25%).
        Assert.InRange(toIdle, 650, 850);
    }

    [Fact]
    public void LeastRequestHonoursWeights()
    {
        // Same load, but host 0 has weight 4: its score (active+1)/weight is lower, so it wins every
        // comparison against host 1.
        var hosts = Hosts(4, 1);
        hosts.Hosts[0].ConnectionOpened();
        hosts.Hosts[1].ConnectionOpened();
        var policy = new LeastRequestPolicy();
        var toHeavy = 0;
        for (var i = 0; i < 1000; i++) if (policy.Pick(hosts) == hosts.Hosts[0]) toHeavy++;
        Assert.True(toHeavy > 900, $"expected the weight-4 host to win almost always, got {toHeavy}/1000");
    }

    [Theory]
    [InlineData(typeof(RoundRobinPolicy))]
    [InlineData(typeof(RandomPolicy))]
    [InlineData(typeof(LeastRequestPolicy))]
    public void EveryPolicyReturnsNullForAnEmptyCluster(Type policyType)
    {
        var policy = (ILoadBalancingPolicy)Activator.CreateInstance(policyType)!;
        Assert.Null(policy.Pick(HostSet.Empty));
    }
}
