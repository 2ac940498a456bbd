using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>What routing decided for one request.</summary>
internal enum RouteOutcomeKind : byte
{
    /// <summary>No virtual host or route matched: 404 with flag NR.</summary>
    NoRoute,

    /// <summary>The cluster the route names per request (cluster_header) does not exist: 503, as in Envoy.</summary>
    NoCluster,

    /// <summary>Answer with a fixed status and body (direct_response).</summary>
    DirectResponse,

    /// <summary>Answer with a redirect (Location header).</summary>
    Redirect,

    /// <summary>Forward to a cluster.</summary>
    Forward,
}

/// <summary>The routing decision and everything the exchange needs from the route.</summary>
internal struct RouteOutcome
{
    public RouteOutcomeKind Kind;
    public string? RouteName;

    /// <summary>The matched route (for per-filter configuration), or null.</summary>
    public Routing.RouteEntry? Entry;
    public IUpstreamCluster? Cluster;
    public int Status;
    public ReadOnlyMemory<byte> Body;
    public string? Location;

    /// <summary>The path to send upstream when a rewrite applied (query included), else null.</summary>
    public byte[]? RewrittenTarget;

    /// <summary>The Host to send upstream when rewritten, else null.</summary>
    public byte[]? RewrittenHost;

    /// <summary>The request's hash from the route's <c>hash_policy</c>; null when none applied (or none is configured).</summary>
    public ulong? Hash;

    /// <summary>The route's <c>junction_fallback</c>, until it was used (it is used at most once); null when none.</summary>
    public Routing.RouteFallback? Fallback;

    /// <summary>The route's <c>request_mirror_policies</c>; null when none.</summary>
    public Routing.RouteMirrorPolicy[]? Mirrors;

    /// <summary>Route timeout; null means none.</summary>
    public TimeSpan? Timeout;

    /// <summary>The route's idle_timeout, replacing stream_idle_timeout (zero: none); null keeps the connection manager's.</summary>
    public TimeSpan? IdleTimeout;

    /// <summary>The route's max_stream_duration (with grpc-timeout), or null.</summary>
    public Routing.MaxStreamDuration? MaxStreamDuration;

    /// <summary>The retry policy: the route's, else its virtual host's; null when neither has one.</summary>
    public Routing.RetryPolicy? Retry;

    /// <summary>auto_host_rewrite: send the chosen upstream host's name (or address) as Host.</summary>
    public bool AutoHostRewrite;

    /// <summary>Header changes for the upstream request, in the order they apply.</summary>
    public IReadOnlyList<Routing.HeaderMutation>? RequestMutations;

    /// <summary>Extra request header changes of the chosen weighted cluster.</summary>
    public IReadOnlyList<Routing.HeaderMutation>? ClusterRequestMutations;

    /// <summary>Header changes for the response to the client.</summary>
    public IReadOnlyList<Routing.HeaderMutation>? ResponseMutations;

    /// <summary>Extra response header changes of the chosen weighted cluster.</summary>
    public IReadOnlyList<Routing.HeaderMutation>? ClusterResponseMutations;
}
