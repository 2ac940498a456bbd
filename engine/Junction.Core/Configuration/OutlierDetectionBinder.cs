using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>outlier_detection</c>.</summary>
internal static class OutlierDetectionBinder
{
    /// <summary>The cluster's outlier detection; null when it has none.</summary>
    public static OutlierDetectionConfig? Bind(ConfigMap cluster)
    {
        if (cluster.Map("outlier_detection") is not { } map) return null;
        var defaults = new OutlierDetectionConfig();
        var baseEjection = Positive(map, "base_ejection_time", defaults.BaseEjectionTime);
        var config = new OutlierDetectionConfig
        {
            Interval = Positive(map, "interval", defaults.Interval),
            BaseEjectionTime = baseEjection,
            // Envoy: the default cap is 300 s or base_ejection_time, whichever is larger.
            MaxEjectionTime = map.Has("max_ejection_time")
                ? Positive(map, "max_ejection_time", defaults.MaxEjectionTime)
                : (baseEjection > defaults.MaxEjectionTime ? baseEjection : defaults.MaxEjectionTime),
            MaxEjectionTimeJitter = NonNegative(map, "max_ejection_time_jitter"),
            MaxEjectionPercent = Percent(map, "max_ejection_percent", defaults.MaxEjectionPercent),
            AlwaysEjectOneHost = map.Bool("always_eject_one_host", false),
            Consecutive5xx = map.Int32("consecutive_5xx", defaults.Consecutive5xx),
            EnforcingConsecutive5xx = Percent(map, "enforcing_consecutive_5xx", defaults.EnforcingConsecutive5xx),
            ConsecutiveGatewayFailure = map.Int32("consecutive_gateway_failure", defaults.ConsecutiveGatewayFailure),
            EnforcingConsecutiveGatewayFailure = Percent(map, "enforcing_consecutive_gateway_failure", defaults.EnforcingConsecutiveGatewayFailure),
            SplitExternalLocalOriginErrors = map.Bool("split_external_local_origin_errors", false),
            ConsecutiveLocalOriginFailure = map.Int32("consecutive_local_origin_failure", defaults.ConsecutiveLocalOriginFailure),
            EnforcingConsecutiveLocalOriginFailure = Percent(map, "enforcing_consecutive_local_origin_failure", defaults.EnforcingConsecutiveLocalOriginFailure),
            EnforcingLocalOriginSuccessRate = Percent(map, "enforcing_local_origin_success_rate", defaults.EnforcingLocalOriginSuccessRate),
            EnforcingSuccessRate = Percent(map, "enforcing_success_rate", defaults.EnforcingSuccessRate),
            SuccessRateMinimumHosts = map.Int32("success_rate_minimum_hosts", defaults.SuccessRateMinimumHosts),
            SuccessRateRequestVolume = map.Int32("success_rate_request_volume", defaults.SuccessRateRequestVolume),
            SuccessRateStdevFactor = map.Int32("success_rate_stdev_factor", 1900) / 1000.0,
            FailurePercentageThreshold = Percent(map, "failure_percentage_threshold", defaults.FailurePercentageThreshold),
            EnforcingFailurePercentage = Percent(map, "enforcing_failure_percentage", defaults.EnforcingFailurePercentage),
            EnforcingFailurePercentageLocalOrigin = Percent(map, "enforcing_failure_percentage_local_origin", defaults.EnforcingFailurePercentageLocalOrigin),
            FailurePercentageMinimumHosts = map.Int32("failure_percentage_minimum_hosts", defaults.FailurePercentageMinimumHosts),
            FailurePercentageRequestVolume = map.Int32("failure_percentage_request_volume", defaults.FailurePercentageRequestVolume),
            SuccessfulActiveHealthCheckUnejectHost = map.Bool("successful_active_health_check_uneject_host", true),
        };
        map.Unsupported("monitors", "Envoy does not implement it either");
        map.RejectUnknownFields();
        return config;
    }

    private static int Percent(ConfigMap map, string key, int defaultValue) => map.Int32(key, defaultValue, min: 0, max: 100);

    private static TimeSpan Positive(ConfigMap map, string key, TimeSpan defaultValue)
    {
        var value = map.Duration(key);
        if (value is null) return defaultValue;
        if (value > TimeSpan.Zero) return value.Value;
        map.Node(key)!.Error($"{key} must be greater than 0");
        return defaultValue;
    }

    private static TimeSpan NonNegative(ConfigMap map, string key)
    {
        var value = map.Duration(key) ?? TimeSpan.Zero;
        if (value >= TimeSpan.Zero) return value;
        map.Node(key)!.Error($"{key} must not be negative");
        return TimeSpan.Zero;
    }
}
