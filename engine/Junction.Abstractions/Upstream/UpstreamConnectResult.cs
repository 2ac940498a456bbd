using System.Net;

namespace Junction.Upstream;

/// <summary>Why an upstream connection could not be had.</summary>
public enum UpstreamFailure
{
    /// <summary>Connected.</summary>
    None,

    /// <summary>The cluster has no host to try (UH).</summary>
    NoHealthyUpstream,

    /// <summary>The cluster's <c>max_connections</c> circuit breaker is open (UO).</summary>
    Overflow,

    /// <summary>The host refused the connection or could not be reached (UF).</summary>
    ConnectFailed,

    /// <summary>The host did not accept within <c>connect_timeout</c> (UF).</summary>
    ConnectTimeout,

    /// <summary>A request waited for a free connection longer than its route allows (504, UT).</summary>
    PendingTimeout,
}

/// <summary>The outcome of <c>IUpstreamCluster.ConnectAsync</c>.</summary>
/// <param name="Connection">The connection; null unless <paramref name="Failure"/> is <see cref="UpstreamFailure.None"/>.</param>
/// <param name="Failure">What went wrong, if anything.</param>
/// <param name="Host">The host that was tried, when one was picked.</param>
public readonly record struct UpstreamConnectResult(IUpstreamConnection? Connection, UpstreamFailure Failure, EndPoint? Host);
