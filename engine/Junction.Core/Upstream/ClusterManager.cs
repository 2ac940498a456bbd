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
    /// Then starts the health checkers and waits for every host's first probe (each bounded by the check's
    /// <c>timeout</c>), as Envoy's cluster initialisation does, so that listeners open with known health.
    /// Outlier detectors start their interval sweeps last.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var lookups = new List<Task>();
        foreach (var cluster in Clusters.Values)
        {
            if (cluster.Resolver is { } resolver) lookups.Add(resolver.ResolveAsync(cancellationToken));
        }
        await Task.WhenAll(lookups).ConfigureAwait(false);
        var firstProbes = new List<Task>();
        foreach (var cluster in Clusters.Values)
        {
            if (cluster.HealthChecker is { } checker) firstProbes.Add(checker.StartAsync());
        }
        await Task.WhenAll(firstProbes).WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var cluster in Clusters.Values)
        {
            cluster.Resolver?.StartRefreshing();
            cluster.OutlierDetector?.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in Clusters.Values)
        {
            if (cluster.Resolver is { } resolver) await resolver.DisposeAsync().ConfigureAwait(false);
            if (cluster.HealthChecker is { } checker) await checker.DisposeAsync().ConfigureAwait(false);
            cluster.OutlierDetector?.Dispose();
        }
    }
}
