using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>
/// A cluster as the requests of a <c>priority: HIGH</c> route see it (<see cref="Cluster.AtPriority"/>):
/// the same hosts, load balancer, health and stats, but the HIGH circuit breakers, and a connection-slot
/// event raised only when a connection opened at HIGH closes. The HTTP connection pools key on
/// <see cref="Priority"/>, so HIGH requests have pools (and waiting lists) of their own, as in Envoy, and
/// a DEFAULT overflow never stops them.
/// </summary>
internal sealed class HighPriorityCluster(Cluster cluster, CircuitBreakers breakers) : IUpstreamCluster
{
    /// <summary>The HIGH priority circuit breakers.</summary>
    public CircuitBreakers Breakers => breakers;

    public string Name => cluster.Name;

    public UpstreamHttpOptions HttpOptions => cluster.HttpOptions;

    public RoutingPriority Priority => RoutingPriority.High;

    public IUpstreamCluster AtPriority(RoutingPriority priority) => cluster.AtPriority(priority);

    public ValueTask<UpstreamConnectResult> ConnectAsync(CancellationToken cancellationToken) =>
        cluster.ConnectAsync(hash: null, breakers, cancellationToken);

    public ValueTask<UpstreamConnectResult> ConnectAsync(ulong? hash, CancellationToken cancellationToken) =>
        cluster.ConnectAsync(hash, breakers, cancellationToken);

    public ValueTask<UpstreamConnectResult> ConnectAsync(IUpstreamHost host, CancellationToken cancellationToken) =>
        cluster.ConnectAsync((UpstreamHost)host, breakers, cancellationToken);

    public IUpstreamHost? ChooseHost() => cluster.ChooseHost();

    public IUpstreamHost? ChooseHost(ulong? hash) => cluster.ChooseHost(hash);

    public IUpstreamHost? ChooseHostAvoiding(ulong? hash, IReadOnlyList<IUpstreamHost> tried, long maxAttempts) =>
        cluster.ChooseHostAvoiding(hash, tried, maxAttempts);

    public bool HasConnectionSlot => breakers.HasConnectionSlot;

    public event Action? ConnectionSlotFreed;

    public bool TryEnterPending() => cluster.TryEnterPending(breakers);

    public void ExitPending() => cluster.ExitPending(breakers);

    public bool TryEnterRequest() => cluster.TryEnterRequest(breakers);

    public void ExitRequest() => cluster.ExitRequest(breakers);

    public bool TryEnterRetry() => breakers.TryEnterRetry();

    public void ExitRetry() => breakers.ExitRetry();

    /// <summary>Called by the cluster when a connection opened at HIGH priority closed.</summary>
    internal void OnConnectionSlotFreed() => ConnectionSlotFreed?.Invoke();
}
