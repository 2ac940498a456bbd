using System.Text;
using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016; Envoy's MAGLEV): a lookup table of
/// <c>table_size</c> entries (a prime) is filled by letting hosts take turns claiming their next free slot
/// along their own permutation of the table; a request goes to <c>table[hash % size]</c>. Lookups are one
/// array read, and removing a host moves little more than its own share. Weights are honoured by letting
/// a host claim a slot in a round only as often as its weight relative to the heaviest host allows.
/// Without a hash the slot is random, as in Envoy.
/// </summary>
internal sealed class MaglevPolicy(int tableSize) : ILoadBalancingPolicy
{
    public UpstreamHost? Pick(HostSet hosts, ulong? hash)
    {
        if (hosts.Count == 0) return null;
        if (hosts.Count == 1) return hosts.Hosts[0];
        var table = hosts.GetOrAddLoadBalancerState(set => Build(set, tableSize));
        return table[(int)((hash ?? (ulong)Random.Shared.NextInt64()) % (ulong)table.Length)];
    }

    /// <summary>
    /// Walks the table on from <paramref name="hash"/>'s slot to the first slot of a host not tried. Slots are
    /// spread over the hosts by their permutations, so the next untried host is as stable for a hash as the first.
    /// </summary>
    public bool TryPickSkipping(HostSet hosts, ulong hash, IReadOnlyList<IUpstreamHost> tried, out UpstreamHost? host)
    {
        host = null;
        if (hosts.Count == 0) return true;
        if (hosts.Count == 1)
        {
            if (!ILoadBalancingPolicy.WasTried(tried, hosts.Hosts[0])) host = hosts.Hosts[0];
            return true;
        }
        var table = hosts.GetOrAddLoadBalancerState(set => Build(set, tableSize));
        var start = (int)(hash % (ulong)table.Length);
        for (var step = 0; step < table.Length; step++)
        {
            var candidate = table[(start + step) % table.Length];
            if (ILoadBalancingPolicy.WasTried(tried, candidate)) continue;
            host = candidate;
            return true;
        }
        return true;
    }

    /// <summary>Fills a table of <paramref name="size"/> entries (size must be prime, so every skip walks all slots).</summary>
    internal static UpstreamHost[] Build(HostSet set, int size)
    {
        var count = set.Count;
        var offsets = new ulong[count];
        var skips = new ulong[count];
        var next = new ulong[count];
        var credit = new double[count];
        var maxWeight = 0;
        for (var i = 0; i < count; i++)
        {
            var host = set.Hosts[i];
            var name = Encoding.UTF8.GetBytes(host.Address.ToString());
            offsets[i] = XxHash64.Hash(name, 0) % (ulong)size;
            skips[i] = XxHash64.Hash(name, 1) % (ulong)(size - 1) + 1;
            maxWeight = Math.Max(maxWeight, host.Weight);
        }

        var table = new UpstreamHost?[size];
        var filled = 0;
        while (true)
        {
            for (var i = 0; i < count; i++)
            {
                credit[i] += (double)set.Hosts[i].Weight / maxWeight;
                if (credit[i] < 1) continue;
                credit[i] -= 1;
                ulong slot;
                do
                {
                    slot = (offsets[i] + skips[i] * next[i]) % (ulong)size;
                    next[i]++;
                }
                while (table[slot] is not null);
                table[slot] = set.Hosts[i];
                if (++filled == size) return table!;
            }
        }
    }
}
