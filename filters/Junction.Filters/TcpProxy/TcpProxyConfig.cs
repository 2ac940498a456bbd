using Junction.Configuration;

namespace Junction.Filters.TcpProxy;

/// <summary>Envoy's <c>envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy</c>, the parts Junction supports.</summary>
internal sealed record TcpProxyConfig(
    string StatPrefix,
    IReadOnlyList<WeightedClusterConfig> Clusters,
    TimeSpan? IdleTimeout,
    int MaxConnectAttempts,
    ConfigSequence? AccessLog)
{
    /// <summary>Envoy's default idle timeout: one hour.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    /// <summary>Binds and validates a typed config; null when it is unusable (errors are on the nodes).</summary>
    public static TcpProxyConfig? Bind(ConfigMap? map, ConfigNode owner)
    {
        if (map is null)
        {
            owner.Error("envoy.filters.network.tcp_proxy needs a typed_config with stat_prefix and cluster");
            return null;
        }
        var statPrefix = map.String("stat_prefix", required: true);
        var clusters = new List<WeightedClusterConfig>();
        var cluster = map.String("cluster");
        var weighted = map.Map("weighted_clusters");
        if (cluster is not null && weighted is not null)
        {
            map.Error("set only one of 'cluster' and 'weighted_clusters'");
        }
        else if (cluster is not null)
        {
            clusters.Add(new WeightedClusterConfig(cluster, 1, map.Node("cluster")!));
        }
        else if (weighted is not null)
        {
            foreach (var entry in weighted.Maps("clusters", required: true))
            {
                var name = entry.String("name", required: true);
                var weight = entry.Int32("weight", 0, min: 0);
                entry.Unsupported("metadata_match");
                entry.RejectUnknownFields();
                if (name is not null && weight > 0) clusters.Add(new WeightedClusterConfig(name, weight, entry));
            }
            weighted.RejectUnknownFields();
            if (clusters.Count == 0) weighted.Error("weighted_clusters needs at least one cluster with a weight above 0");
        }
        else
        {
            map.Error("missing required field 'cluster' (or 'weighted_clusters')");
        }

        var idle = map.Duration("idle_timeout") ?? DefaultIdleTimeout;
        var attempts = map.Int32("max_connect_attempts", 1, min: 1, max: 100);
        var accessLog = map.Sequence("access_log");
        foreach (var unsupported in s_unsupported) map.Unsupported(unsupported);
        map.RejectUnknownFields();

        if (statPrefix is null || clusters.Count == 0) return null;
        return new TcpProxyConfig(statPrefix, clusters, idle == TimeSpan.Zero ? null : idle, attempts, accessLog);
    }

    private static readonly string[] s_unsupported =
    {
        "metadata_match", "hash_policy", "tunneling_config", "max_downstream_connection_duration",
        "access_log_flush_interval", "access_log_options", "on_demand", "backoff_options",
        "flush_access_log_on_connected", "downstream_idle_timeout", "upstream_idle_timeout", "proxy_protocol_tlvs",
    };
}

/// <summary>A cluster and its share of connections.</summary>
internal sealed record WeightedClusterConfig(string Name, int Weight, ConfigNode Node);
