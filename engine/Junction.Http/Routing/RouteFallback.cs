using Junction.Upstream;

namespace Junction.Http.Routing;

/// <summary>
/// A route's <c>junction_fallback</c> (a Junction extension, not Envoy's): where a request goes when the
/// route's cluster cannot take it (no healthy host, or its circuit breaker is open): another cluster,
/// or a fixed response. Exactly one of <see cref="ClusterName"/> and <see cref="DirectResponse"/> is set.
/// </summary>
internal sealed class RouteFallback
{
    private RouteFallback(string? clusterName, DirectResponseAction? directResponse)
    {
        ClusterName = clusterName;
        DirectResponse = directResponse;
    }

    public static RouteFallback ToCluster(string name) => new(name, null);

    public static RouteFallback ToDirectResponse(DirectResponseAction response) => new(null, response);

    /// <summary>The fallback cluster's name, or null for a direct response.</summary>
    public string? ClusterName { get; }

    /// <summary>
    /// The fallback cluster, resolved once when the router is built (the binder checked that it exists),
    /// so a request in trouble does not look it up.
    /// </summary>
    public IUpstreamCluster? Cluster { get; internal set; }

    /// <summary>The fixed response, or null for a cluster.</summary>
    public DirectResponseAction? DirectResponse { get; }
}
