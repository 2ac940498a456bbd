using System.Net;
using System.Text;
using Junction.Core.Upstream;
using Junction.Upstream;

namespace Junction.Core.Tests.Upstream;

public sealed class ConsistentHashPolicyTests
{
    private static UpstreamHost[] NewHosts(int count, int weight = 1) =>
        Enumerable.Range(0, count).Select(i => new UpstreamHost(new IPEndPoint(IPAddress.Parse("10.0.0." + (i + 1)), 8080), weight, null)).ToArray();

    private static ulong Key(int i) => XxHash64.Hash(Encoding.UTF8.GetBytes("user-" + i));

    [Theory]
    [InlineData("ring_hash")]
    [InlineData("maglev")]
    public void TheSameKeyAlwaysReachesTheSameHost(string name)
    {
        var hosts = new HostSet(NewHosts(5));
        var policy = LoadBalancingPolicyTests.Create(name);
        for (var i = 0; i < 200; i++)
        {
            var first = policy.Pick(hosts, Key(i));
            for (var repeat = 0; repeat < 5; repeat++) Assert.Same(first, policy.Pick(hosts, Key(i)));
        }
    }

    [Theory]
    [InlineData("ring_hash")]
    [InlineData("maglev")]
    public void ARetryPickSkippingTriedHostsIsStablePerKeyAndSpreadAcrossKeys(string name)
    {
        var hosts = new HostSet(NewHosts(4));
        var policy = LoadBalancingPolicyTests.Create(name);
        var seconds = new HashSet<UpstreamHost>();
        for (var i = 0; i < 200; i++)
        {
            var first = policy.Pick(hosts, Key(i))!;
            Assert.True(policy.TryPickSkipping(hosts, Key(i), [first], out var second));
            Assert.NotNull(second);
            Assert.NotSame(first, second);
            // The same key walks to the same second choice every time, and on to a third past both.
            Assert.True(policy.TryPickSkipping(hosts, Key(i), [first], out var again));
            Assert.Same(second, again);
            Assert.True(policy.TryPickSkipping(hosts, Key(i), [first, second!], out var third));
            Assert.NotSame(first, third);
            Assert.NotSame(second, third);
            seconds.Add(second!);
        }
        // Second choices follow the key, not one fixed "next" host.
        Assert.Equal(4, seconds.Count);
    }

    [Theory]
    [InlineData("ring_hash")]
    [InlineData("maglev")]
    public void ARetryPickWithEveryHostTriedFindsNone(string name)
    {
        var list = NewHosts(3);
        var policy = LoadBalancingPolicyTests.Create(name);
        Assert.True(policy.TryPickSkipping(new HostSet(list), Key(1), list, out var host));
        Assert.Null(host);
    }

    [Theory]
    [InlineData("round_robin")]
    [InlineData("random")]
    [InlineData("least_request")]
    public void PoliciesWithoutAHashHaveNoOrderToWalk(string name)
    {
        var list = NewHosts(3);
        Assert.False(LoadBalancingPolicyTests.Create(name).TryPickSkipping(new HostSet(list), Key(1), [list[0]], out _));
    }

    [Theory]
    [InlineData("ring_hash")]
    [InlineData("maglev")]
    public void ANewSetWithTheSameHostsMapsKeysTheSameWay(string name)
    {
        // A DNS refresh or health flip builds a new table; it must agree with the old one.
        var list = NewHosts(4);
        var policy = LoadBalancingPolicyTests.Create(name);
        var before = new HostSet(list);
        var after = new HostSet(list.ToArray());
        for (var i = 0; i < 500; i++) Assert.Same(policy.Pick(before, Key(i)), policy.Pick(after, Key(i)));
    }

    [Theory]
    [InlineData("ring_hash", 0.15)]
    [InlineData("maglev", 0.04)]
    public void RemovingAHostRemapsOnlyAboutItsShare(string name, double extraMoved)
    {
        var list = NewHosts(5);
        var policy = LoadBalancingPolicyTests.Create(name);
        var full = new HostSet(list);
        var removed = list[2];
        var reduced = new HostSet(list.Where(h => h != removed).ToArray());
        const int keys = 20_000;
        var moved = 0;
        var onRemoved = 0;
        for (var i = 0; i < keys; i++)
        {
            var before = policy.Pick(full, Key(i));
            var after = policy.Pick(reduced, Key(i));
            if (before == removed) onRemoved++;
            else if (before != after) moved++;
        }
        // Keys of the removed host must move; ideally nothing else does. Maglev moves a few (its table
        // is refilled; the paper reports 1-2%). The ring is rescaled to keep minimum_ring_size, so each
        // survivor gains points (205 -> 256 here) that take about half their span from other survivors:
        // ~10% of keys, the same trade Envoy's ring makes; far from the 80% a modulo hash would move.
        Assert.InRange(onRemoved / (double)keys, 0.15, 0.25);
        Assert.True(moved / (double)keys <= extraMoved, $"{moved} of {keys} keys on surviving hosts moved");
    }

    [Theory]
    [InlineData("ring_hash")]
    [InlineData("maglev")]
    public void KeysSpreadEvenlyOverEqualHosts(string name)
    {
        var hosts = new HostSet(NewHosts(4));
        var policy = LoadBalancingPolicyTests.Create(name);
        var counts = new Dictionary<UpstreamHost, int>();
        const int keys = 40_000;
        for (var i = 0; i < keys; i++)
        {
            var host = policy.Pick(hosts, Key(i))!;
            counts[host] = counts.GetValueOrDefault(host) + 1;
        }
        Assert.Equal(4, counts.Count);
        // 25% each; a 1024-point ring is within a few points of even, Maglev within a fraction of one.
        Assert.All(counts.Values, c => Assert.InRange(c / (double)keys, 0.20, 0.30));
    }

    [Fact]
    public void RingSizeStaysWithinItsBounds()
    {
        var hosts = new HostSet(NewHosts(3));
        Assert.InRange(RingHashPolicy.Ring.Build(hosts, 1024, 8 * 1024 * 1024).Size, 1024, 1030);
        // Weights 1:1000 would need 2002 points to give the light host its share of the minimum; the cap wins.
        var skewed = new HostSet([NewHosts(1, 1)[0], NewHosts(2, 1000)[1]]);
        Assert.InRange(RingHashPolicy.Ring.Build(skewed, 1024, 2000).Size, 1990, 2002);
    }

    [Fact]
    public void MaglevFillsEveryEntryInProportionToWeight()
    {
        var list = NewHosts(2);
        var hosts = new HostSet([list[0], new UpstreamHost(list[1].Address, 3, null)]);
        var table = MaglevPolicy.Build(hosts, 65537);
        Assert.All(table, Assert.NotNull);
        var heavy = table.Count(h => h == hosts.Hosts[1]);
        Assert.InRange(heavy / 65537.0, 0.74, 0.76);
    }

    [Fact]
    public void XxHash64MatchesTheReferenceVectors()
    {
        // Published XXH64 results with seed 0.
        Assert.Equal(0xEF46DB3751D8E999UL, XxHash64.Hash([]));
        Assert.Equal(0xD24EC4F1A98C6E5BUL, XxHash64.Hash("a"u8));
        Assert.Equal(0x44BC2CF5AD770999UL, XxHash64.Hash("abc"u8));
    }
}
