namespace Junction.Http.Routing;

/// <summary>
/// An upstream cluster a route forwards to: the one <c>cluster</c>, or one entry of
/// <c>weighted_clusters</c> with its weight and its own header changes.
/// </summary>
internal sealed class RouteCluster
{
    /// <summary>Creates a cluster choice; <paramref name="mutations"/> are the entry's own header changes.</summary>
    public RouteCluster(string name, long weight, HeaderMutations mutations)
    {
        Name = name;
        Weight = weight;
        RequestHeaderMutations = Array.AsReadOnly(mutations.Request);
        ResponseHeaderMutations = Array.AsReadOnly(mutations.Response);
    }

    /// <summary>The cluster name (checked to exist when the table was bound, unless <c>validate_clusters: false</c>).</summary>
    public string Name { get; }

    /// <summary>The weight among the route's weighted clusters; 1 for a single cluster.</summary>
    public long Weight { get; }

    /// <summary>
    /// The request header changes of this weighted cluster entry itself (removals, then additions);
    /// empty for a single <c>cluster</c>. They come on top of <see cref="RouteEntry.RequestHeaderMutations"/>:
    /// Envoy applies the entry's changes first and then the route's whole list, so for a name both
    /// touch, the route's list has the last word.
    /// </summary>
    public IReadOnlyList<HeaderMutation> RequestHeaderMutations { get; }

    /// <summary>The response header changes of this weighted cluster entry itself (as <see cref="RequestHeaderMutations"/>, before <see cref="RouteEntry.ResponseHeaderMutations"/>).</summary>
    public IReadOnlyList<HeaderMutation> ResponseHeaderMutations { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
