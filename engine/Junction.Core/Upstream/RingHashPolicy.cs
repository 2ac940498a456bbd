using System.Globalization;
using System.Text;
using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>
/// Consistent hashing on a ring (Envoy's RING_HASH, Karger et al.): each host is hashed onto the ring at
/// many points, in proportion to its weight; a request goes to the first point at or after its hash.
/// Removing a host moves only the requests that hashed to its points. The ring has between
/// <c>minimum_ring_size</c> and <c>maximum_ring_size</c> points; more points spread load more evenly.
/// Without a hash (no hash policy matched) the point is random, as in Envoy.
/// </summary>
internal sealed class RingHashPolicy(int minimumRingSize, int maximumRingSize) : ILoadBalancingPolicy
{
    public UpstreamHost? Pick(HostSet hosts, ulong? hash)
    {
        if (hosts.Count == 0) return null;
        if (hosts.Count == 1) return hosts.Hosts[0];
        var ring = hosts.GetOrAddLoadBalancerState(set => Ring.Build(set, minimumRingSize, maximumRingSize));
        return ring.Find(hash ?? (ulong)Random.Shared.NextInt64());
    }

    /// <summary>Walks the ring on from <paramref name="hash"/>'s point to the first point of a host not tried.</summary>
    public bool TryPickSkipping(HostSet hosts, ulong hash, IReadOnlyList<IUpstreamHost> tried, out UpstreamHost? host)
    {
        host = null;
        if (hosts.Count == 0) return true;
        if (hosts.Count == 1)
        {
            if (!ILoadBalancingPolicy.WasTried(tried, hosts.Hosts[0])) host = hosts.Hosts[0];
            return true;
        }
        var ring = hosts.GetOrAddLoadBalancerState(set => Ring.Build(set, minimumRingSize, maximumRingSize));
        host = ring.FindSkipping(hash, tried);
        return true;
    }

    /// <summary>The points of one host set, sorted by hash. Built once per set.</summary>
    internal sealed class Ring
    {
        private readonly ulong[] _hashes;
        private readonly UpstreamHost[] _hosts;

        private Ring(ulong[] hashes, UpstreamHost[] hosts)
        {
            _hashes = hashes;
            _hosts = hosts;
        }

        public int Size => _hashes.Length;

        public static Ring Build(HostSet set, int minimumSize, int maximumSize)
        {
            // Scale so that the lightest host gets at least one point within the minimum size, capped at
            // the maximum; each host then gets points in proportion to its share of the total weight.
            var total = (double)set.TotalWeight;
            var minShare = double.MaxValue;
            foreach (var host in set.Hosts) minShare = Math.Min(minShare, host.Weight / total);
            var scale = Math.Min(Math.Ceiling(minShare * minimumSize) / minShare, maximumSize);

            var points = new List<(ulong Hash, UpstreamHost Host)>((int)Math.Ceiling(scale) + set.Count);
            var key = new StringBuilder();
            Span<byte> bytes = stackalloc byte[128];
            double target = 0;
            var placed = 0;
            foreach (var host in set.Hosts)
            {
                target += scale * host.Weight / total;
                var prefix = host.Address.ToString();
                for (var i = 0; placed < target; i++, placed++)
                {
                    key.Clear().Append(prefix).Append('_').Append(i.ToString(CultureInfo.InvariantCulture));
                    var length = Encoding.UTF8.GetBytes(key.ToString(), bytes);
                    points.Add((XxHash64.Hash(bytes[..length]), host));
                }
            }
            points.Sort((a, b) => a.Hash.CompareTo(b.Hash));
            var hashes = new ulong[points.Count];
            var hosts = new UpstreamHost[points.Count];
            for (var i = 0; i < points.Count; i++) (hashes[i], hosts[i]) = points[i];
            return new Ring(hashes, hosts);
        }

        /// <summary>The host of the first point at or after <paramref name="hash"/>, wrapping around.</summary>
        public UpstreamHost Find(ulong hash) => _hosts[IndexOf(hash)];

        /// <summary>
        /// The host of the first point at or after <paramref name="hash"/> (wrapping around) whose host is
        /// not in <paramref name="tried"/>; null when every point's host was tried.
        /// </summary>
        public UpstreamHost? FindSkipping(ulong hash, IReadOnlyList<IUpstreamHost> tried)
        {
            var start = IndexOf(hash);
            for (var step = 0; step < _hosts.Length; step++)
            {
                var host = _hosts[(start + step) % _hosts.Length];
                if (!ILoadBalancingPolicy.WasTried(tried, host)) return host;
            }
            return null;
        }

        private int IndexOf(ulong hash)
        {
            var index = Array.BinarySearch(_hashes, hash);
            if (index < 0) index = ~index;
            return index == _hashes.Length ? 0 : index;
        }
    }
}
