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
}
