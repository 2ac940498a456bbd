namespace Junction.Core.Upstream;

/// <summary>Picks a host for a new connection or request. Called concurrently; must not block.</summary>
internal interface ILoadBalancingPolicy
{
    /// <summary>A host from <paramref name="hosts"/>, or null when it is empty.</summary>
    UpstreamHost? Pick(HostSet hosts);
}
