namespace Junction.Core.Upstream.Outlier;

/// <summary>Why outlier detection ejected (or would have ejected) a host; Envoy's <c>OutlierEjectionType</c>.</summary>
internal enum OutlierEjectionType
{
    /// <summary><c>consecutive_5xx</c> 5xx responses (and, without the split, local-origin failures) in a row.</summary>
    Consecutive5xx,

    /// <summary><c>consecutive_gateway_failure</c> 502/503/504 responses in a row.</summary>
    ConsecutiveGatewayFailure,

    /// <summary><c>consecutive_local_origin_failure</c> local-origin failures in a row (with the split only).</summary>
    ConsecutiveLocalOriginFailure,

    /// <summary>A success rate below the cluster's mean minus <c>success_rate_stdev_factor</c> deviations.</summary>
    SuccessRate,

    /// <summary>As <see cref="SuccessRate"/>, for local-origin results (with the split only).</summary>
    LocalOriginSuccessRate,

    /// <summary>A failure percentage of at least <c>failure_percentage_threshold</c>.</summary>
    FailurePercentage,

    /// <summary>As <see cref="FailurePercentage"/>, for local-origin results (with the split only).</summary>
    LocalOriginFailurePercentage,
}

/// <summary>The names Envoy's stats and logs use for each <see cref="OutlierEjectionType"/>.</summary>
internal static class OutlierEjectionTypeNames
{
    /// <summary>Indexed by the enum value: the suffix of <c>ejections_enforced_*</c> and <c>ejections_detected_*</c>.</summary>
    public static readonly string[] StatSuffixes =
    [
        "consecutive_5xx", "consecutive_gateway_failure", "consecutive_local_origin_failure",
        "success_rate", "local_origin_success_rate", "failure_percentage", "failure_percentage_local_origin",
    ];

    public const int Count = 7;
}
