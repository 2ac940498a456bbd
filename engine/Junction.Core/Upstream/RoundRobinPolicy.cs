namespace Junction.Core.Upstream;

/// <summary>
/// Smooth weighted round robin (as in nginx): each pick adds every host's weight to its running score,
/// takes the host with the highest score and subtracts the total weight from it. Weights 3:1 give
/// A A B A rather than A A A B, so no host sees a burst. Equal weights reduce to a plain rotation.
/// </summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly Lock _lock = new();
    private HostSet? _scoredSet;
    private long[] _scores = Array.Empty<long>();
    private uint _next;

    public UpstreamHost? Pick(HostSet hosts, ulong? hash)
    {
        var list = hosts.Hosts;
        if (list.Length == 0) return null;
        if (list.Length == 1) return list[0];
        if (hosts.WeightsEqual)
        {
            return list[(int)(Interlocked.Increment(ref _next) % (uint)list.Length)];
        }

        lock (_lock)
        {
            if (!ReferenceEquals(_scoredSet, hosts))
            {
                // A new host set (DNS refresh) starts the sequence over.
                _scoredSet = hosts;
                _scores = new long[list.Length];
            }
            var best = 0;
            for (var i = 0; i < list.Length; i++)
            {
                _scores[i] += list[i].Weight;
                if (_scores[i] > _scores[best]) best = i;
            }
            _scores[best] -= hosts.TotalWeight;
            return list[best];
        }
    }
}
