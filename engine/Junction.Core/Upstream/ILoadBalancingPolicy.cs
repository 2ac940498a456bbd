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
}
