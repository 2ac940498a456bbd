using System.Net;

namespace Junction.Upstream;

/// <summary>
/// One host of a cluster, as its load balancer returned it. The object stays the same while the host is
/// in the cluster, so protocol layers may key per-host state (an HTTP connection pool) on it.
/// </summary>
public interface IUpstreamHost
{
    /// <summary>The host's address.</summary>
    IPEndPoint Address { get; }

    /// <summary>The DNS name the address came from, if any.</summary>
    string? Hostname { get; }

    /// <summary>
    /// Tells the cluster's outlier detection the status of a response this host sent (once per request,
    /// when its head arrived). Does nothing when the cluster has no <c>outlier_detection</c>. Never blocks
    /// and never allocates, so the data path may call it for every response.
    /// </summary>
    void ReportHttpStatus(int status);

    /// <summary>
    /// Tells the cluster's outlier detection about something the proxy saw itself rather than read from
    /// the host (a refused connection, a timeout, a reset). Connection attempts are reported by the
    /// cluster; protocol layers report what happens after (see <see cref="LocalOriginResult"/>).
    /// </summary>
    void ReportLocalOrigin(LocalOriginResult result);
}
