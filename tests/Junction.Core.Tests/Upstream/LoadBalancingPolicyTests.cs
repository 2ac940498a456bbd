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
        var picks = Enumerable.Range(0, 9).Select(_ => policy.Pick(hosts, null)!.Address.Port).ToArray();
        Assert.All(hosts.Hosts, h => Assert.Equal(3, picks.Count(p => p == h.Address.Port)));
        // A rotation never picks the same host twice in a row.
        for (var i = 1; i < picks.Length; i++) Assert.NotEqual(picks[i - 1], picks[i]);
    }

    [Fact]
    public void SmoothWeightedRoundRobinInterleavesByWeight()
    {
        var hosts = Hosts(5, 1, 1);
        var policy = new RoundRobinPolicy();
        var picks = Enumerable.Range(0, 7).Select(_ => policy.Pick(hosts, null)!.Address.Port - 1000).ToArray();
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
        for (var i = 0; i < 500; i++) counts[policy.Pick(hosts, null)!.Address.Port - 1000]++;
        Assert.Equal(new[] { 300, 100, 100 }, counts);
    }

    [Fact]
    public void RandomFollowsWeightsWithinTolerance()
    {
        var hosts = Hosts(8, 2);
        var policy = new RandomPolicy();
        var heavy = 0;
        const int draws = 20_000;
        for (var i = 0; i < draws; i++) if (policy.Pick(hosts, null)!.Address.Port == 1000) heavy++;
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
        for (var i = 0; i < 1000; i++) if (policy.Pick(hosts, null) == hosts.Hosts[1]) toIdle++;
        // Two random choices pick the idle host unless both draws land on the busy one (25%).
        Assert.InRange(toIdle, 650, 850);
    }

    [Fact]
    public void LeastRequestWithUnequalWeightsDividesWeightByActiveConnections()
    {
        // Weights 4 and 1; host 0 has 3 connections, host 1 none. Effective weights with the default
        // bias of 1 are 4/(3+1) = 1 and 1/(0+1) = 1: an even split, where plain weights would give 80/20.
        var hosts = Hosts(4, 1);
        for (var i = 0; i < 3; i++) hosts.Hosts[0].ConnectionOpened();
        var policy = new LeastRequestPolicy();
        var toHeavy = 0;
        const int draws = 20_000;
        for (var i = 0; i < draws; i++) if (policy.Pick(hosts, null) == hosts.Hosts[0]) toHeavy++;
        // sigma = 0.35% over 20k draws; 4 points is > 10 sigma.
        Assert.InRange(toHeavy / (double)draws, 0.46, 0.54);
    }

    [Fact]
    public void LeastRequestWithZeroBiasIsPlainWeightedRandom()
    {
        var hosts = Hosts(4, 1);
        for (var i = 0; i < 3; i++) hosts.Hosts[0].ConnectionOpened();
        var policy = new LeastRequestPolicy(choiceCount: 2, activeRequestBias: 0);
        var toHeavy = 0;
        const int draws = 20_000;
        for (var i = 0; i < draws; i++) if (policy.Pick(hosts, null) == hosts.Hosts[0]) toHeavy++;
        Assert.InRange(toHeavy / (double)draws, 0.76, 0.84);
    }

    [Fact]
    public void LeastRequestWithMoreChoicesAvoidsTheBusyHostMoreOften()
    {
        var hosts = Hosts(1, 1);
        for (var i = 0; i < 10; i++) hosts.Hosts[0].ConnectionOpened();
        var policy = new LeastRequestPolicy(choiceCount: 5, activeRequestBias: 1);
        var toBusy = 0;
        for (var i = 0; i < 10_000; i++) if (policy.Pick(hosts, null) == hosts.Hosts[0]) toBusy++;
        // Only when all five draws land on the busy host: 1/32 = 3.1%.
        Assert.InRange(toBusy, 150, 500);
    }

    public static TheoryData<string> PolicyNames => new() { "round_robin", "random", "least_request", "ring_hash", "maglev" };

    internal static ILoadBalancingPolicy Create(string name) => name switch
    {
        "round_robin" => new RoundRobinPolicy(),
        "random" => new RandomPolicy(),
        "least_request" => new LeastRequestPolicy(),
        "ring_hash" => new RingHashPolicy(1024, 8 * 1024 * 1024),
        _ => new MaglevPolicy(65537),
    };

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void EveryPolicyReturnsNullForAnEmptyCluster(string name)
    {
        Assert.Null(Create(name).Pick(HostSet.Empty, null));
    }

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void EveryPolicyHonoursEndpointWeights(string name)
    {
        var hosts = Hosts(3, 1);
        var policy = Create(name);
        var heavy = 0;
        const int draws = 20_000;
        // Hash policies get a fresh random hash per pick, as requests with different keys would.
        var random = new Random(7);
        for (var i = 0; i < draws; i++)
        {
            ulong? hash = name is "ring_hash" or "maglev" ? (ulong)random.NextInt64() : null;
            if (policy.Pick(hosts, hash) == hosts.Hosts[0]) heavy++;
        }
        // 75% expected. Sampling sigma is 0.3%; the consistent-hash tables add their own placement
        // error (a ring of >= 1024 points, a 65537-entry Maglev table), well under 3 points.
        Assert.InRange(heavy / (double)draws, 0.71, 0.79);
    }
}
