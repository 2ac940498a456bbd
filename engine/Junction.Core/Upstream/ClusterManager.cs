using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>The clusters of one configuration snapshot, by name.</summary>
internal sealed class ClusterManager(IReadOnlyDictionary<string, Cluster> clusters) : IClusterManager, IAsyncDisposable
{
    public IReadOnlyDictionary<string, Cluster> Clusters { get; } = clusters;

    public IUpstreamCluster? Find(string name) => Clusters.TryGetValue(name, out var cluster) ? cluster : null;

    /// <summary>
    /// Warm-up: resolves every DNS cluster once (so the first connection has hosts) and starts their
    /// refresh loops. A name that does not resolve is logged; its cluster starts empty and keeps trying.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var lookups = new List<Task>();
        foreach (var cluster in Clusters.Values)
        {
            if (cluster.Resolver is { } resolver) lookups.Add(resolver.ResolveAsync(cancellationToken));
        }
        await Task.WhenAll(lookups).ConfigureAwait(false);
        foreach (var cluster in Clusters.Values) cluster.Resolver?.StartRefreshing();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in Clusters.Values)
        {
            if (cluster.Resolver is { } resolver) await resolver.DisposeAsync().ConfigureAwait(false);
        }
    }
}
