using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>
/// Binds <c>common_lb_config</c>, <c>ring_hash_lb_config</c>, <c>maglev_lb_config</c> and
/// <c>least_request_lb_config</c>. A policy's config next to another policy is an error, as in Envoy
/// (its settings would mean nothing).
/// </summary>
internal static class LoadBalancerBinder
{
    /// <summary>Ring sizes above this are refused, as in Envoy (8M entries).</summary>
    private const int RingSizeLimit = 8 * 1024 * 1024;

    /// <summary>Envoy's upper bound for a Maglev table.</summary>
    private const int MaglevTableLimit = 5_000_011;

    public static LoadBalancerConfig Bind(ConfigMap cluster, LbPolicyKind policy)
    {
        var defaults = LoadBalancerConfig.Default;
        var panic = defaults.HealthyPanicThreshold;
        if (cluster.Map("common_lb_config") is { } common)
        {
            if (common.Map("healthy_panic_threshold") is { } percent)
            {
                panic = percent.Double("value", defaults.HealthyPanicThreshold, 0, 100);
                percent.RejectUnknownFields();
            }
            foreach (var field in new[]
            {
                "zone_aware_lb_config", "locality_weighted_lb_config", "update_merge_window", "ignore_new_hosts_until_first_hc",
                "close_connections_on_host_set_change", "consistent_hashing_lb_config", "override_host_status",
            })
            {
                common.Unsupported(field);
            }
            common.RejectUnknownFields();
        }

        var minRing = defaults.MinimumRingSize;
        var maxRing = defaults.MaximumRingSize;
        if (PolicyConfig(cluster, "ring_hash_lb_config", policy, LbPolicyKind.RingHash) is { } ring)
        {
            minRing = (int)ring.Int64("minimum_ring_size", minRing, 1, RingSizeLimit);
            maxRing = (int)ring.Int64("maximum_ring_size", maxRing, 1, RingSizeLimit);
            ring.Choice("hash_function", 0, ("XX_HASH", 0));
            ring.Unsupported("use_hostname_for_hashing");
            ring.Unsupported("hash_balance_factor");
            ring.RejectUnknownFields();
            if (minRing > maxRing) ring.Error($"minimum_ring_size ({minRing}) must not exceed maximum_ring_size ({maxRing})");
        }

        var tableSize = defaults.MaglevTableSize;
        if (PolicyConfig(cluster, "maglev_lb_config", policy, LbPolicyKind.Maglev) is { } maglev)
        {
            if (maglev.Node("table_size") is ConfigMap wrapper)
            {
                tableSize = (int)wrapper.Int64("value", tableSize, 2, MaglevTableLimit);
                wrapper.RejectUnknownFields();
            }
            else
            {
                tableSize = (int)maglev.Int64("table_size", tableSize, 2, MaglevTableLimit);
            }
            if (!IsPrime(tableSize))
            {
                maglev.Node("table_size")!.Error($"table_size must be a prime number, {tableSize} is not");
                tableSize = defaults.MaglevTableSize;
            }
            maglev.Unsupported("consistent_hashing_lb_config");
            maglev.RejectUnknownFields();
        }

        var choiceCount = defaults.ChoiceCount;
        var bias = defaults.ActiveRequestBias;
        if (PolicyConfig(cluster, "least_request_lb_config", policy, LbPolicyKind.LeastRequest) is { } leastRequest)
        {
            if (leastRequest.Node("choice_count") is ConfigMap wrapper)
            {
                choiceCount = wrapper.Int32("value", choiceCount, min: 2, max: 100);
                wrapper.RejectUnknownFields();
            }
            else
            {
                choiceCount = leastRequest.Int32("choice_count", choiceCount, min: 2, max: 100);
            }
            if (leastRequest.Map("active_request_bias") is { } runtimeDouble)
            {
                bias = runtimeDouble.Double("default_value", bias, 0, 100);
                // The runtime key is accepted for Envoy compatibility; Junction's runtime is static, so
                // the default value is the value.
                runtimeDouble.String("runtime_key");
                runtimeDouble.RejectUnknownFields();
            }
            leastRequest.Unsupported("slow_start_config");
            leastRequest.Unsupported("locality_lb_config");
            leastRequest.RejectUnknownFields();
        }
        return new LoadBalancerConfig(panic, minRing, maxRing, tableSize, choiceCount, bias);
    }

    private static ConfigMap? PolicyConfig(ConfigMap cluster, string key, LbPolicyKind policy, LbPolicyKind owner)
    {
        var map = cluster.Map(key);
        if (map is not null && policy != owner)
        {
            cluster.Node(key)!.Error($"{key} applies only to lb_policy {Name(owner)}");
        }
        return map;
    }

    private static string Name(LbPolicyKind kind) => kind switch
    {
        LbPolicyKind.RingHash => "RING_HASH",
        LbPolicyKind.Maglev => "MAGLEV",
        LbPolicyKind.LeastRequest => "LEAST_REQUEST",
        LbPolicyKind.Random => "RANDOM",
        _ => "ROUND_ROBIN",
    };

    private static bool IsPrime(int n)
    {
        if (n < 2) return false;
        for (var d = 2; (long)d * d <= n; d++)
        {
            if (n % d == 0) return false;
        }
        return true;
    }
}
