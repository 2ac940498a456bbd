namespace Junction.Http.Routing;

/// <summary>How a <see cref="RouteAction"/> names its upstream cluster.</summary>
internal enum ClusterSpecifierKind
{
    /// <summary><c>cluster</c>: one fixed cluster.</summary>
    Cluster,

    /// <summary><c>weighted_clusters</c>: one of several, at random by weight.</summary>
    WeightedClusters,

    /// <summary>
    /// <c>cluster_header</c>: the value of a request header names the cluster; the caller reads it
    /// (<see cref="RouteAction.ClusterHeader"/>) and resolves it per request.
    /// </summary>
    ClusterHeader,
}
