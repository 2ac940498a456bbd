namespace Junction.AccessLog;

/// <summary>
/// Why a connection or request ended the way it did, in Envoy's vocabulary (the short codes are what the
/// <c>%RESPONSE_FLAGS%</c> access log operator prints).
/// </summary>
[Flags]
public enum ResponseFlags
{
    /// <summary>Nothing went wrong.</summary>
    None = 0,

    /// <summary>UH: the cluster had no healthy upstream host.</summary>
    NoHealthyUpstream = 1 << 0,

    /// <summary>UF: connecting to the upstream failed (refused, unreachable or timed out).</summary>
    UpstreamConnectionFailure = 1 << 1,

    /// <summary>UO: a circuit breaker was open (too many upstream connections).</summary>
    UpstreamOverflow = 1 << 2,

    /// <summary>NR: no route or cluster matched.</summary>
    NoRouteFound = 1 << 3,

    /// <summary>URX: the retry limit (HTTP) or the maximum number of connect attempts (TCP) was reached.</summary>
    UpstreamRetryLimitExceeded = 1 << 4,

    /// <summary>SI: the idle timeout closed the connection.</summary>
    StreamIdleTimeout = 1 << 5,

    /// <summary>UC: the upstream connection was terminated (reset).</summary>
    UpstreamConnectionTermination = 1 << 6,

    /// <summary>DC: the downstream connection was terminated (reset).</summary>
    DownstreamConnectionTermination = 1 << 7,

    /// <summary>UR: the upstream reset or closed the connection before the response was complete.</summary>
    UpstreamRemoteReset = 1 << 8,

    /// <summary>UT: the route timeout passed before the upstream responded.</summary>
    UpstreamRequestTimeout = 1 << 9,

    /// <summary>DPE: the downstream request broke the protocol (malformed, ambiguous framing, over limits).</summary>
    DownstreamProtocolError = 1 << 10,

    /// <summary>UPE: the upstream response broke the protocol.</summary>
    UpstreamProtocolError = 1 << 11,

    /// <summary>NC: the cluster the route chose does not exist.</summary>
    NoClusterFound = 1 << 12,

    /// <summary>FI: the fault filter answered the request with an injected abort.</summary>
    FaultInjected = 1 << 13,

    /// <summary>DI: the fault filter held the request for an injected delay.</summary>
    DelayInjected = 1 << 14,

    /// <summary>RL: a local rate limit answered the request (429 or the configured status).</summary>
    RateLimited = 1 << 15,

    /// <summary>
    /// FB (Junction's own flag, not Envoy's): the route's <c>junction_fallback</c> answered, because its
    /// cluster had no healthy host (with UH) or its circuit breaker was open (with UO). A bit far from
    /// the others, so flags added meanwhile elsewhere cannot take the same one.
    /// </summary>
    UpstreamFallback = 1 << 24,
}
