namespace Junction.Upstream;

/// <summary>A group of upstream hosts behind one load balancer, with its connection limits and stats.</summary>
public interface IUpstreamCluster
{
    /// <summary>The cluster's configured name.</summary>
    string Name { get; }

    /// <summary>How the cluster's HTTP connections are reused.</summary>
    UpstreamHttpOptions HttpOptions { get; }

    /// <summary>
    /// Picks a host with the cluster's load balancer and opens a TCP connection to it, within the
    /// cluster's <c>connect_timeout</c> and <c>max_connections</c>. Expected failures are results, not
    /// exceptions; each is counted in the cluster's stats.
    /// </summary>
    ValueTask<UpstreamConnectResult> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Picks a host with the cluster's load balancer, without connecting: for protocols that pool
    /// connections per host. Null when the cluster has no host (counted as none-healthy).
    /// </summary>
    IUpstreamHost? ChooseHost();

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/> (one of this cluster's), within the cluster's
    /// <c>connect_timeout</c> and <c>max_connections</c>, counted in the cluster's stats.
    /// </summary>
    ValueTask<UpstreamConnectResult> ConnectAsync(IUpstreamHost host, CancellationToken cancellationToken);
}
