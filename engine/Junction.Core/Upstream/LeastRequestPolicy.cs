namespace Junction.Core.Upstream;

/// <summary>
/// Envoy's LEAST_REQUEST. With equal weights: draw <c>choice_count</c> hosts at random (two by default)
/// and take the one with the fewest active connections; a few random draws avoid both the herding of
/// "always the least loaded" and a full scan. With unequal weights: a weighted random pick where each
/// host's weight is divided by <c>(active + 1) ^ active_request_bias</c>, so a bias of 0 is plain
/// weighted random and larger biases steer harder away from busy hosts. Envoy uses a deterministic
/// weighted scheduler here; random selection over the same effective weights has the same shares
/// without a lock. Load is measured in open upstream connections, which for HTTP/1.1 is one per active
/// request plus idle pooled connections.
/// </summary>
internal sealed class LeastRequestPolicy(int choiceCount = 2, double activeRequestBias = 1.0) : ILoadBalancingPolicy
{
    public UpstreamHost? Pick(HostSet hosts, ulong? hash)
    {
        var list = hosts.Hosts;
        if (list.Length == 0) return null;
        if (list.Length == 1) return list[0];
        if (!hosts.WeightsEqual) return PickByEffectiveWeight(list);

        var best = list[Random.Shared.Next(list.Length)];
        for (var i = 1; i < choiceCount; i++)
        {
            var candidate = list[Random.Shared.Next(list.Length)];
            if (candidate.ActiveConnections < best.ActiveConnections) best = candidate;
        }
        return best;
    }

    private UpstreamHost PickByEffectiveWeight(UpstreamHost[] list)
    {
        // Two passes over the hosts instead of a scratch array: no allocation per pick.
        var total = 0.0;
        foreach (var host in list) total += EffectiveWeight(host);
        var point = Random.Shared.NextDouble() * total;
        foreach (var host in list)
        {
            point -= EffectiveWeight(host);
            if (point < 0) return host;
        }
        return list[^1];
    }

    private double EffectiveWeight(UpstreamHost host)
    {
        var active = host.ActiveConnections + 1.0;
        var divisor = activeRequestBias == 1.0 ? active : activeRequestBias == 0.0 ? 1.0 : Math.Pow(active, activeRequestBias);
        return host.Weight / divisor;
    }
}
