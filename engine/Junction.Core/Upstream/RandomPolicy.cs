namespace Junction.Core.Upstream;

/// <summary>Picks a host at random, in proportion to its weight.</summary>
internal sealed class RandomPolicy : ILoadBalancingPolicy
{
    public UpstreamHost? Pick(HostSet hosts, ulong? hash)
    {
        var list = hosts.Hosts;
        if (list.Length == 0) return null;
        if (hosts.WeightsEqual) return list[Random.Shared.Next(list.Length)];
        return PickWeighted(hosts, Random.Shared.NextInt64(hosts.TotalWeight));
    }

    /// <summary>The host whose cumulative weight range contains <paramref name="point"/>.</summary>
    internal static UpstreamHost PickWeighted(HostSet hosts, long point)
    {
        foreach (var host in hosts.Hosts)
        {
            point -= host.Weight;
            if (point < 0) return host;
        }
        return hosts.Hosts[^1];
    }
}
