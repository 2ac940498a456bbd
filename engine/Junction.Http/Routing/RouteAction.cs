namespace Junction.Http.Routing;

/// <summary>A route's <c>route</c> action: where to forward and how to change the request on the way.</summary>
internal sealed class RouteAction
{
    private readonly RouteCluster[] _clusters;
    // Running sums of the weights: a pick draws r in [0, total) and takes the first cluster whose sum exceeds r.
    private readonly long[] _cumulativeWeights;
    private readonly PathRewrite? _rewrite;

    /// <summary>Creates the action; <paramref name="clusters"/> is empty exactly when the cluster comes from a header.</summary>
    public RouteAction(
        ClusterSpecifierKind clusterSpecifier,
        RouteCluster[] clusters,
        string? clusterHeader,
        PathRewrite? rewrite,
        string? hostRewriteLiteral,
        bool autoHostRewrite,
        TimeSpan? timeout, TimeSpan? idleTimeout = null)
    {
        ClusterSpecifier = clusterSpecifier;
        _clusters = clusters;
        _cumulativeWeights = new long[clusters.Length];
        long sum = 0;
        for (var i = 0; i < clusters.Length; i++)
        {
            sum += clusters[i].Weight;
            _cumulativeWeights[i] = sum;
        }
        TotalWeight = sum;
        ClusterHeader = clusterHeader;
        ClusterHeaderBytes = clusterHeader is null ? null : System.Text.Encoding.ASCII.GetBytes(clusterHeader);
        _rewrite = rewrite;
        HostRewriteLiteral = hostRewriteLiteral;
        AutoHostRewrite = autoHostRewrite;
        Timeout = timeout;
        IdleTimeout = idleTimeout;
    }

    /// <summary>How the cluster is named.</summary>
    public ClusterSpecifierKind ClusterSpecifier { get; }

    /// <summary>The configured clusters: one for <c>cluster</c>, all entries for <c>weighted_clusters</c>, none for <c>cluster_header</c>.</summary>
    public IReadOnlyList<RouteCluster> Clusters => _clusters;

    /// <summary>The sum of the weights (the single cluster counts 1).</summary>
    public long TotalWeight { get; }

    /// <summary>For <c>cluster_header</c>: the lower-case name of the request header that holds the cluster name.</summary>
    public string? ClusterHeader { get; }

    /// <summary><see cref="ClusterHeader"/> as ASCII bytes, for <see cref="IRouteRequest.TryGetHeader"/>.</summary>
    public byte[]? ClusterHeaderBytes { get; }

    /// <summary><c>host_rewrite_literal</c>: the Host to send upstream instead of the client's; null when not set.</summary>
    public string? HostRewriteLiteral { get; }

    /// <summary><c>auto_host_rewrite</c>: send the chosen upstream host's name as Host.</summary>
    public bool AutoHostRewrite { get; }

    /// <summary><c>timeout</c>: how long the whole upstream exchange may take (15 s unless configured); null when disabled (<c>0s</c>).</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>
    /// <c>idle_timeout</c>: replaces the connection manager's stream_idle_timeout for requests on this
    /// route; <see cref="TimeSpan.Zero"/> turns it off for them; null leaves the connection manager's.
    /// </summary>
    public TimeSpan? IdleTimeout { get; }

    /// <summary><c>max_stream_duration</c>: a limit on the whole stream; null when not configured.</summary>
    public MaxStreamDuration? MaxStreamDuration { get; init; }

    /// <summary><c>hash_policy</c>: what feeds the cluster's consistent hash, in order; empty when none.</summary>
    public HashPolicy[] HashPolicies { get; init; } = [];

    /// <summary><c>junction_fallback</c>: where requests go when the cluster cannot take them; null when none.</summary>
    public RouteFallback? Fallback { get; init; }

    /// <summary><c>request_mirror_policies</c>: clusters that get a shadow copy of the request; null when none.</summary>
    public RouteMirrorPolicy[]? MirrorPolicies { get; init; }

    /// <summary><c>retry_policy</c>: when and how often failed attempts are retried; null when not configured (the virtual host's applies).</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>
    /// <c>priority</c>: DEFAULT or HIGH. The router hands the request the cluster at this priority
    /// (<see cref="Junction.Upstream.IUpstreamCluster.AtPriority"/>), whose circuit breakers and connection
    /// pools are that priority's.
    /// </summary>
    public Junction.Upstream.RoutingPriority Priority { get; init; }

    /// <summary>True when <c>prefix_rewrite</c> or <c>regex_rewrite</c> is configured.</summary>
    public bool HasPathRewrite => _rewrite is not null;

    /// <summary>Picks the cluster for one request, using <see cref="Random.Shared"/> for weighted clusters.</summary>
    /// <returns>The cluster; null for a <c>cluster_header</c> route, whose cluster the caller resolves.</returns>
    public RouteCluster? PickCluster() => PickCluster(Random.Shared);

    /// <summary>Picks the cluster for one request; weighted clusters are drawn from <paramref name="random"/> in proportion to their weights.</summary>
    /// <returns>The cluster; null for a <c>cluster_header</c> route, whose cluster the caller resolves.</returns>
    public RouteCluster? PickCluster(Random random)
    {
        switch (_clusters.Length)
        {
            case 0:
                return null;
            case 1:
                return _clusters[0];
        }
        var draw = random.NextInt64(TotalWeight);
        // Weighted lists are short (a handful of entries); a linear scan beats a binary search there.
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (draw < _cumulativeWeights[i]) return _clusters[i];
        }
        return _clusters[^1];
    }

    /// <summary>
    /// The path to send upstream after <c>prefix_rewrite</c> or <c>regex_rewrite</c>, or null when
    /// the route rewrites nothing. <c>prefix_rewrite</c> replaces exactly what the route matched: the
    /// configured prefix of a <c>prefix</c> or <c>path_separated_prefix</c> route (so
    /// <c>path_separated_prefix: /api</c> with <c>prefix_rewrite: /v2</c> turns <c>/api/x</c> into
    /// <c>/v2/x</c>), the whole path of a <c>path</c> or <c>safe_regex</c> route.
    /// </summary>
    /// <param name="path">The path the route was matched with (normalised, without the query); the caller re-appends the query.</param>
    /// <returns>The new path as a string of Latin-1 chars (one per byte), or null.</returns>
    public string? RewritePath(ReadOnlySpan<byte> path) => _rewrite?.Rewrite(path);
}
