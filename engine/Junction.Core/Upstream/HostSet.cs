namespace Junction.Core.Upstream;

/// <summary>
/// An immutable list of a cluster's hosts with its precomputed weight facts. DNS refreshes build a new
/// set and swap it in; load balancers read whichever set is current.
/// </summary>
internal sealed class HostSet
{
    private object? _loadBalancerState;

    public static HostSet Empty { get; } = new(Array.Empty<UpstreamHost>());

    public HostSet(UpstreamHost[] hosts)
    {
        Hosts = hosts;
        long total = 0;
        var allEqual = true;
        foreach (var host in hosts)
        {
            total += host.Weight;
            if (host.Weight != hosts[0].Weight) allEqual = false;
        }
        TotalWeight = total;
        WeightsEqual = allEqual;
    }

    public UpstreamHost[] Hosts { get; }

    public long TotalWeight { get; }

    /// <summary>True when every host has the same weight, which lets balancers skip weighting.</summary>
    public bool WeightsEqual { get; }

    public int Count => Hosts.Length;

    /// <summary>
    /// A table a load-balancing policy derived from this set (a hash ring, a Maglev table), built on
    /// first use and kept as long as the set: a new set (DNS refresh, a health change) starts without one.
    /// </summary>
    public T GetOrAddLoadBalancerState<T>(Func<HostSet, T> build) where T : class
    {
        if (Volatile.Read(ref _loadBalancerState) is T state) return state;
        // Two first picks may both build; the first stored wins and both return it.
        var built = build(this);
        return Interlocked.CompareExchange(ref _loadBalancerState, built, null) as T ?? built;
    }

}
