using Junction.Core.Upstream;

namespace Junction.Core.Model;

/// <summary>
/// One complete, validated configuration: clusters and listeners, ready to run. Built in full (or not at
/// all) from a bootstrap file; connections keep the snapshot they started with.
/// </summary>
internal sealed record ProxySnapshot(
    string Source,
    ClusterManager Clusters,
    IReadOnlyList<ListenerModel> Listeners,
    Configuration.AdminConfig? Admin)
{
    /// <summary>The bound bootstrap the snapshot was built from (its node tree is what admin's /config_dump shows).</summary>
    public Configuration.BootstrapConfig? Bootstrap { get; init; }
}
