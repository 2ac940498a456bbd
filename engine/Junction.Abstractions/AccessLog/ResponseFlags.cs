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

    /// <summary>URX: the maximum number of connect attempts was reached.</summary>
    UpstreamRetryLimitExceeded = 1 << 4,

    /// <summary>SI: the idle timeout closed the connection.</summary>
    StreamIdleTimeout = 1 << 5,

    /// <summary>UC: the upstream connection was terminated (reset).</summary>
    UpstreamConnectionTermination = 1 << 6,

    /// <summary>DC: the downstream connection was terminated (reset).</summary>
    DownstreamConnectionTermination = 1 << 7,
}
