namespace Junction.Upstream;

/// <summary>A group of upstream hosts behind one load balancer, with its connection limits and stats.</summary>
public interface IUpstreamCluster
{
    /// <summary>The cluster's configured name.</summary>
    string Name { get; }

    /// <summary>How the cluster's HTTP connections are reused.</summary>
    UpstreamHttpOptions HttpOptions { get; }

    /// <summary>
    /// The priority whose circuit breakers this object counts against: <see cref="RoutingPriority.Default"/>
    /// for the cluster itself, <see cref="RoutingPriority.High"/> for its <see cref="AtPriority"/> view.
    /// Connection pools are kept per host and per priority.
    /// </summary>
    RoutingPriority Priority { get; }

    /// <summary>
    /// The cluster as requests of <paramref name="priority"/> see it: the same hosts, load balancer and stats,
    /// but that priority's circuit breakers (<c>max_connections</c>, <c>max_pending_requests</c>,
    /// <c>max_requests</c>, <c>max_retries</c>) and connection-slot events. Returns this object for its own
    /// priority. Cheap (the cluster keeps its views), so the router asks once per HIGH request.
    /// </summary>
    IUpstreamCluster AtPriority(RoutingPriority priority);

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
    /// As <see cref="ChooseHost()"/>, with the request's hash from the route's <c>hash_policy</c> (null when
    /// the policy produced none). RING_HASH and MAGLEV clusters map the hash to a host (and pick at random
    /// without one); other policies ignore it.
    /// </summary>
    IUpstreamHost? ChooseHost(ulong? hash);

    /// <summary>
    /// A retry's pick with the <c>previous_hosts</c> predicate: a host not in <paramref name="tried"/> when
    /// possible. With a hash on a RING_HASH or MAGLEV cluster it is the host the hash leads to once the tried
    /// hosts are skipped (the ring walked on from the hash, or the Maglev table from the hash's slot), so a
    /// request keeps a stable second choice; otherwise the load balancer picks again, up to
    /// <paramref name="maxAttempts"/> more times, while its pick was tried. Null when the cluster has no host.
    /// </summary>
    IUpstreamHost? ChooseHostAvoiding(ulong? hash, IReadOnlyList<IUpstreamHost> tried, long maxAttempts);

    /// <summary>As <see cref="ConnectAsync(CancellationToken)"/>, picking the host with <paramref name="hash"/> (see <see cref="ChooseHost(ulong?)"/>).</summary>
    ValueTask<UpstreamConnectResult> ConnectAsync(ulong? hash, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/> (one of this cluster's), within the cluster's
    /// <c>connect_timeout</c> and <c>max_connections</c>, counted in the cluster's stats.
    /// </summary>
    ValueTask<UpstreamConnectResult> ConnectAsync(IUpstreamHost host, CancellationToken cancellationToken);

    /// <summary>
    /// True while the cluster is below <c>max_connections</c>: a request waiting for a connection may try
    /// to open one.
    /// </summary>
    bool HasConnectionSlot { get; }

    /// <summary>
    /// Raised when one of the cluster's connections closes (its slot under <c>max_connections</c> is
    /// free again), so that pools with waiting requests can open a connection for one of them.
    /// </summary>
    event Action? ConnectionSlotFreed;

    /// <summary>
    /// Counts a request that has to wait for a connection (all <c>max_connections</c> are busy). False,
    /// counted as <c>upstream_rq_pending_overflow</c>, when <c>max_pending_requests</c> are waiting already:
    /// the request fails with 503 and flag UO. Every true must be matched by <see cref="ExitPending"/>.
    /// </summary>
    bool TryEnterPending();

    /// <summary>A waiting request got a connection, or gave up.</summary>
    void ExitPending();

    /// <summary>
    /// Counts a request in flight to the cluster. False, counted as <c>upstream_rq_pending_overflow</c> (as
    /// Envoy does), when <c>max_requests</c> are in flight already: the request fails with 503 and flag UO.
    /// Every true must be matched by <see cref="ExitRequest"/>.
    /// </summary>
    bool TryEnterRequest();

    /// <summary>A request in flight ended.</summary>
    void ExitRequest();

    /// <summary>
    /// Counts a retry in flight. False when <c>max_retries</c> (or the <c>retry_budget</c>) are in flight
    /// already: the retry is not made (the caller counts <c>upstream_rq_retry_overflow</c>). Every true
    /// must be matched by <see cref="ExitRetry"/>.
    /// </summary>
    bool TryEnterRetry();

    /// <summary>A retry in flight ended (its attempt was answered, failed, or the request ended).</summary>
    void ExitRetry();
}
