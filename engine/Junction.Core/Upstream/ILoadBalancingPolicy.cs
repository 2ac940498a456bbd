namespace Junction.Core.Upstream;

/// <summary>Picks a host for a new connection or request. Called concurrently; must not block.</summary>
internal interface ILoadBalancingPolicy
{
    /// <summary>A host from <paramref name="hosts"/>, or null when it is empty.</summary>
    /// <param name="hosts">The hosts to choose among: the healthy ones, or all of them in panic.</param>
    /// <param name="hash">
    /// The request's hash from the route's <c>hash_policy</c>, if it produced one. Only hash-based policies
    /// read it; they pick at random when there is none, as Envoy does.
    /// </param>
    UpstreamHost? Pick(HostSet hosts, ulong? hash);

    /// <summary>
    /// A retry's re-pick that keeps to the request's hash: the host <paramref name="hash"/> leads to once the
    /// hosts in <paramref name="tried"/> are skipped. False when the policy is not hash-based (the caller then
    /// picks again at random); true with a null host when every host was tried.
    /// </summary>
    bool TryPickSkipping(HostSet hosts, ulong hash, IReadOnlyList<Junction.Upstream.IUpstreamHost> tried, out UpstreamHost? host)
    {
        host = null;
        return false;
    }

    /// <summary>True when <paramref name="tried"/> holds <paramref name="host"/> (the same object).</summary>
    static bool WasTried(IReadOnlyList<Junction.Upstream.IUpstreamHost> tried, UpstreamHost host)
    {
        for (var i = 0; i < tried.Count; i++)
        {
            if (ReferenceEquals(tried[i], host)) return true;
        }
        return false;
    }
}
