using Junction.Configuration;

namespace Junction.Core.Configuration;

// The *Config records are pure data bound from the bootstrap YAML (Envoy v3 shape). They keep the
// node they came from so that later stages (model building, filter factories) can report errors at
// the right line. Runtime models are built from them in Junction.Core.Model.

/// <summary>The whole bootstrap file.</summary>
internal sealed record BootstrapConfig(
    string? NodeId,
    AdminConfig? Admin,
    IReadOnlyList<ListenerConfig> Listeners,
    IReadOnlyList<ClusterConfig> Clusters,
    RuntimeConfig Runtime,
    ConfigMap Node);

/// <summary><c>admin:</c> the admin endpoint's address.</summary>
internal sealed record AdminConfig(SocketAddressConfig Address, ConfigMap Node);

/// <summary><c>address.socket_address</c>: an IP literal (or a host name where DNS is allowed) and a port.</summary>
/// <remarks><paramref name="Ipv4Compat"/>: an IPv6 wildcard listener also accepts IPv4 (a dual-mode socket).</remarks>
internal sealed record SocketAddressConfig(string Address, int Port, ConfigNode Node, bool Ipv4Compat = false);

/// <summary>One entry of <c>static_resources.listeners</c>.</summary>
internal sealed record ListenerConfig(
    string Name,
    SocketAddressConfig Address,
    string? StatPrefix,
    IReadOnlyList<FilterChainConfig> FilterChains,
    int PerConnectionBufferLimitBytes,
    int Backlog,
    ConfigMap Node);

/// <summary>One entry of <c>filter_chains</c>.</summary>
internal sealed record FilterChainConfig(string? Name, IReadOnlyList<NetworkFilterConfig> Filters, ConfigMap Node);

/// <summary>
/// One network filter: its <c>name</c>, the <c>@type</c> URL of its <c>typed_config</c> (if any) and the
/// typed config mapping itself, left unbound: the filter's factory binds it.
/// </summary>
internal sealed record NetworkFilterConfig(string Name, string? TypeUrl, ConfigMap? TypedConfig, ConfigMap Node);

/// <summary>Cluster discovery type (<c>type:</c>).</summary>
internal enum ClusterDiscoveryType { Static, StrictDns, LogicalDns }

/// <summary>Load balancing policy (<c>lb_policy:</c>).</summary>
internal enum LbPolicyKind { RoundRobin, Random, LeastRequest, RingHash, Maglev }

/// <summary>Address family preference for DNS clusters (<c>dns_lookup_family:</c>).</summary>
internal enum DnsLookupFamily { Auto, V4Only, V6Only, V4Preferred, All }

/// <summary>One entry of <c>static_resources.clusters</c>.</summary>
internal sealed record ClusterConfig(
    string Name,
    ClusterDiscoveryType Type,
    TimeSpan ConnectTimeout,
    LbPolicyKind LbPolicy,
    IReadOnlyList<EndpointConfig> Endpoints,
    CircuitBreakerConfig CircuitBreakers,
    int PerConnectionBufferLimitBytes,
    DnsLookupFamily DnsLookupFamily,
    TimeSpan DnsRefreshRate,
    Junction.Upstream.UpstreamHttpOptions HttpOptions,
    ConfigMap Node)
{
    /// <summary><c>common_lb_config</c> and the policy's own settings.</summary>
    public LoadBalancerConfig LoadBalancer { get; init; } = LoadBalancerConfig.Default;

    /// <summary>The active health check, if any (<c>health_checks</c>).</summary>
    public HealthCheckConfig? HealthCheck { get; init; }

    /// <summary>Passive health checking, if any (<c>outlier_detection</c>).</summary>
    public OutlierDetectionConfig? OutlierDetection { get; init; }

    /// <summary>The <c>circuit_breakers.thresholds[]</c> entry with <c>priority: HIGH</c>, or Envoy's defaults.</summary>
    public CircuitBreakerConfig HighPriorityCircuitBreakers { get; init; } = CircuitBreakerConfig.Default;
}

/// <summary>One <c>lb_endpoints[]</c> entry of <c>load_assignment.endpoints[]</c>.</summary>
internal sealed record EndpointConfig(SocketAddressConfig Address, int Weight, ConfigMap Node);

/// <summary>One <c>circuit_breakers.thresholds[]</c> entry (DEFAULT or HIGH priority; both have the same defaults).</summary>
/// <param name="MaxConnections"><c>max_connections</c>: connections open to all hosts at once.</param>
/// <param name="MaxPendingRequests"><c>max_pending_requests</c>: requests waiting for a connection.</param>
/// <param name="MaxRequests"><c>max_requests</c>: requests in flight to the cluster.</param>
/// <param name="MaxRetries"><c>max_retries</c>: retries in flight; ignored when <paramref name="RetryBudget"/> is set.</param>
/// <param name="RetryBudget"><c>retry_budget</c>, or null.</param>
/// <param name="TrackRemaining"><c>track_remaining</c>: publish the <c>remaining_*</c> gauges.</param>
internal sealed record CircuitBreakerConfig(
    int MaxConnections,
    int MaxPendingRequests,
    int MaxRequests = CircuitBreakerConfig.DefaultMaxRequests,
    int MaxRetries = CircuitBreakerConfig.DefaultMaxRetries,
    RetryBudgetConfig? RetryBudget = null,
    bool TrackRemaining = false)
{
    /// <summary>Envoy's default for <c>max_requests</c>.</summary>
    public const int DefaultMaxRequests = 1024;

    /// <summary>Envoy's default for <c>max_retries</c>.</summary>
    public const int DefaultMaxRetries = 3;

    /// <summary>Envoy's default thresholds.</summary>
    public static CircuitBreakerConfig Default { get; } = new(MaxConnections: 1024, MaxPendingRequests: 1024);
}

/// <summary>
/// <c>retry_budget</c>: retries in flight may be <paramref name="BudgetPercent"/> percent of the requests
/// in flight and pending, and never fewer than <paramref name="MinRetryConcurrency"/>.
/// </summary>
internal sealed record RetryBudgetConfig(double BudgetPercent, int MinRetryConcurrency)
{
    /// <summary>Envoy's defaults: 20 percent, at least 3.</summary>
    public static RetryBudgetConfig Default { get; } = new(20, 3);
}

/// <summary>
/// <c>layered_runtime</c>: the static layers merged into one map of dotted keys
/// (e.g. <c>envoy.resource_limits.listener.ingress.connection_limit</c>), later layers winning.
/// </summary>
internal sealed record RuntimeConfig(IReadOnlyDictionary<string, ConfigScalar> Values)
{
    /// <summary>A runtime with no keys.</summary>
    public static RuntimeConfig Empty { get; } = new(new Dictionary<string, ConfigScalar>());
}
