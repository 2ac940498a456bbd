namespace Junction.Core.Upstream;

/// <summary>
/// Power of two choices: draw two hosts at random (by weight) and take the one with fewer active
/// connections, weighted: the score is active / weight, so a host of weight 2 may carry twice the load.
/// Two random draws avoid both the herding of "always the least loaded" and a full scan.
/// </summary>
internal sealed class LeastRequestPolicy : ILoadBalancingPolicy
{
    public UpstreamHost? Pick(HostSet hosts)
    {
        var list = hosts.Hosts;
        if (list.Length == 0) return null;
        if (list.Length == 1) return list[0];
        var first = Draw(hosts);
        var second = Draw(hosts);
        // Compare active/weight without division: a1 * w2 versus a2 * w1 (+1 so idle hosts still differ by weight).
        var firstScore = (long)(first.ActiveConnections + 1) * second.Weight;
        var secondScore = (long)(second.ActiveConnections + 1) * first.Weight;
        return secondScore < firstScore ? second : first;
    }

    private static UpstreamHost Draw(HostSet hosts) => hosts.WeightsEqual
        ? hosts.Hosts[Random.Shared.Next(hosts.Count)]
        : RandomPolicy.PickWeighted(hosts, Random.Shared.NextInt64(hosts.TotalWeight));
}
