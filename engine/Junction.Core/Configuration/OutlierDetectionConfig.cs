namespace Junction.Core.Configuration;

/// <summary>
/// A cluster's <c>outlier_detection</c> (Envoy's <c>config.cluster.v3.OutlierDetection</c>) with Envoy's
/// defaults applied. Percentages are 0–100; <see cref="SuccessRateStdevFactor"/> is already divided by 1000.
/// </summary>
internal sealed record OutlierDetectionConfig
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxEjectionTime { get; init; } = TimeSpan.FromSeconds(300);
    public TimeSpan MaxEjectionTimeJitter { get; init; } = TimeSpan.Zero;
    public int MaxEjectionPercent { get; init; } = 10;

    /// <summary><c>always_eject_one_host</c>: one host may be ejected even when that exceeds <see cref="MaxEjectionPercent"/>.</summary>
    public bool AlwaysEjectOneHost { get; init; }

    public int Consecutive5xx { get; init; } = 5;
    public int EnforcingConsecutive5xx { get; init; } = 100;
    public int ConsecutiveGatewayFailure { get; init; } = 5;
    public int EnforcingConsecutiveGatewayFailure { get; init; }

    public bool SplitExternalLocalOriginErrors { get; init; }
    public int ConsecutiveLocalOriginFailure { get; init; } = 5;
    public int EnforcingConsecutiveLocalOriginFailure { get; init; } = 100;
    public int EnforcingLocalOriginSuccessRate { get; init; } = 100;

    public int EnforcingSuccessRate { get; init; } = 100;
    public int SuccessRateMinimumHosts { get; init; } = 5;
    public int SuccessRateRequestVolume { get; init; } = 100;
    public double SuccessRateStdevFactor { get; init; } = 1.9;

    public int FailurePercentageThreshold { get; init; } = 85;
    public int EnforcingFailurePercentage { get; init; }
    public int EnforcingFailurePercentageLocalOrigin { get; init; }
    public int FailurePercentageMinimumHosts { get; init; } = 5;
    public int FailurePercentageRequestVolume { get; init; } = 50;

    /// <summary><c>successful_active_health_check_uneject_host</c>: a passing active health check returns an ejected host.</summary>
    public bool SuccessfulActiveHealthCheckUnejectHost { get; init; } = true;
}
