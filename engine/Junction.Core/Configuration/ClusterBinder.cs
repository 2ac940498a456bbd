using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds <c>static_resources.clusters</c>.</summary>
internal static class ClusterBinder
{
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultDnsRefreshRate = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinDnsRefreshRate = TimeSpan.FromMilliseconds(1);

    private static readonly string[] UnsupportedFields =
    [
        "respect_dns_ttl", "transport_socket",
        "http_protocol_options", "upstream_connection_options",
        "lb_subset_config", "round_robin_lb_config",
        "eds_cluster_config", "cluster_type", "load_balancing_policy", "dns_resolvers", "typed_dns_resolver_config",
        "dns_failure_refresh_rate", "upstream_bind_config", "protocol_selection", "filters",
    ];

    /// <summary>Binds every cluster, checking that names are unique.</summary>
    public static IReadOnlyList<ClusterConfig> BindAll(ConfigMap staticResources)
    {
        var result = new List<ClusterConfig>();
        var byName = new Dictionary<string, ConfigMap>(StringComparer.Ordinal);
        foreach (var map in staticResources.Maps("clusters"))
        {
            var cluster = Bind(map);
            if (cluster is null) continue;
            if (byName.TryGetValue(cluster.Name, out var first))
            {
                map.Node("name")!.Error($"duplicate cluster name '{cluster.Name}' (first defined at line {first.Mark.Line})");
                continue;
            }
            byName.Add(cluster.Name, map);
            result.Add(cluster);
        }
        return result;
    }

    private static ClusterConfig? Bind(ConfigMap map)
    {
        var name = map.String("name", required: true);
        var type = BindType(map);

        var connectTimeout = map.Duration("connect_timeout") ?? DefaultConnectTimeout;
        if (connectTimeout <= TimeSpan.Zero)
        {
            map.Node("connect_timeout")!.Error("connect_timeout must be greater than 0");
            connectTimeout = DefaultConnectTimeout;
        }

        var lbPolicy = BindLbPolicy(map);
        var lbConfig = LoadBalancerBinder.Bind(map, lbPolicy);
        var healthCheck = HealthCheckBinder.Bind(map);
        var outlierDetection = OutlierDetectionBinder.Bind(map);
        var endpoints = LoadAssignmentBinder.Bind(map, type);
        var circuitBreakers = CircuitBreakerBinder.Bind(map.Map("circuit_breakers"), out var highBreakers);
        var bufferLimit = map.Int32("per_connection_buffer_limit_bytes", ListenerBinder.DefaultBufferLimitBytes, min: 1);

        // The dns_* fields are accepted on STATIC clusters too (Envoy ignores them there).
        var dnsLookupFamily = map.Choice("dns_lookup_family", DnsLookupFamily.Auto,
            ("AUTO", DnsLookupFamily.Auto), ("V4_ONLY", DnsLookupFamily.V4Only), ("V6_ONLY", DnsLookupFamily.V6Only),
            ("V4_PREFERRED", DnsLookupFamily.V4Preferred), ("ALL", DnsLookupFamily.All));
        var dnsRefreshRate = map.Duration("dns_refresh_rate") ?? DefaultDnsRefreshRate;
        if (dnsRefreshRate < MinDnsRefreshRate)
        {
            map.Node("dns_refresh_rate")!.Error("dns_refresh_rate must be at least 1ms");
            dnsRefreshRate = DefaultDnsRefreshRate;
        }

        var httpOptions = HttpProtocolOptionsBinder.Bind(map);
        foreach (var field in UnsupportedFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (name is null) return null;
        return new ClusterConfig(name, type, connectTimeout, lbPolicy, endpoints, circuitBreakers, bufferLimit,
            dnsLookupFamily, dnsRefreshRate, httpOptions, map)
        {
            LoadBalancer = lbConfig,
            HealthCheck = healthCheck,
            OutlierDetection = outlierDetection,
            HighPriorityCircuitBreakers = highBreakers,
        };
    }

    private static ClusterDiscoveryType BindType(ConfigMap map)
    {
        if (map.Node("type") is ConfigScalar { Value: "EDS" or "ORIGINAL_DST" } scalar)
        {
            scalar.Error($"cluster type {scalar.Value} is not supported (supported: STATIC, STRICT_DNS, LOGICAL_DNS)");
            return ClusterDiscoveryType.Static;
        }
        return map.Choice("type", ClusterDiscoveryType.Static,
            ("STATIC", ClusterDiscoveryType.Static), ("STRICT_DNS", ClusterDiscoveryType.StrictDns),
            ("LOGICAL_DNS", ClusterDiscoveryType.LogicalDns));
    }

    private static LbPolicyKind BindLbPolicy(ConfigMap map)
    {
        if (map.Node("lb_policy") is ConfigScalar { Value: "CLUSTER_PROVIDED" or "LOAD_BALANCING_POLICY_CONFIG" } scalar)
        {
            scalar.Error($"lb_policy {scalar.Value} is not supported (supported: ROUND_ROBIN, RANDOM, LEAST_REQUEST, RING_HASH, MAGLEV)");
            return LbPolicyKind.RoundRobin;
        }
        return map.Choice("lb_policy", LbPolicyKind.RoundRobin,
            ("ROUND_ROBIN", LbPolicyKind.RoundRobin), ("RANDOM", LbPolicyKind.Random),
            ("LEAST_REQUEST", LbPolicyKind.LeastRequest), ("RING_HASH", LbPolicyKind.RingHash), ("MAGLEV", LbPolicyKind.Maglev));
    }
}
