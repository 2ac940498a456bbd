using Junction.Core.Configuration;

namespace Junction.Core.Tests.Configuration;

public sealed class OutlierDetectionBinderTests
{
    private static string Cluster(string fields) => $$"""
        static_resources:
          clusters:
          - name: web
        {{string.Join("\n", fields.Split('\n').Select(l => "    " + l))}}
        """;

    [Fact]
    public void AnEmptyOutlierDetectionHasEnvoysDefaults()
    {
        var od = ConfigAssert.BindValid(Cluster("outlier_detection: {}")).Clusters[0].OutlierDetection!;
        Assert.Equal(TimeSpan.FromSeconds(10), od.Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), od.BaseEjectionTime);
        Assert.Equal(TimeSpan.FromSeconds(300), od.MaxEjectionTime);
        Assert.Equal(10, od.MaxEjectionPercent);
        Assert.False(od.AlwaysEjectOneHost);
        Assert.Equal((5, 100), (od.Consecutive5xx, od.EnforcingConsecutive5xx));
        Assert.Equal((5, 0), (od.ConsecutiveGatewayFailure, od.EnforcingConsecutiveGatewayFailure));
        Assert.Equal((5, 100), (od.ConsecutiveLocalOriginFailure, od.EnforcingConsecutiveLocalOriginFailure));
        Assert.Equal((100, 5, 100, 1.9), (od.EnforcingSuccessRate, od.SuccessRateMinimumHosts, od.SuccessRateRequestVolume, od.SuccessRateStdevFactor));
        Assert.Equal((85, 0, 0, 5, 50), (od.FailurePercentageThreshold, od.EnforcingFailurePercentage, od.EnforcingFailurePercentageLocalOrigin,
            od.FailurePercentageMinimumHosts, od.FailurePercentageRequestVolume));
        Assert.True(od.SuccessfulActiveHealthCheckUnejectHost);
        Assert.Null(ConfigAssert.BindValid(Cluster("connect_timeout: 1s")).Clusters[0].OutlierDetection);
    }

    [Fact]
    public void EveryFieldBinds()
    {
        var od = ConfigAssert.BindValid(Cluster("""
            outlier_detection:
              consecutive_5xx: 3
              interval: 0.2s
              base_ejection_time: 1s
              max_ejection_time: 5s
              max_ejection_time_jitter: 0.1s
              max_ejection_percent: 50
              always_eject_one_host: true
              enforcing_consecutive_5xx: 90
              enforcing_success_rate: 80
              success_rate_minimum_hosts: 3
              success_rate_request_volume: 20
              success_rate_stdev_factor: 1000
              consecutive_gateway_failure: 4
              enforcing_consecutive_gateway_failure: 100
              split_external_local_origin_errors: true
              consecutive_local_origin_failure: 2
              enforcing_consecutive_local_origin_failure: 70
              enforcing_local_origin_success_rate: 60
              failure_percentage_threshold: 40
              enforcing_failure_percentage: 100
              enforcing_failure_percentage_local_origin: 50
              failure_percentage_minimum_hosts: 2
              failure_percentage_request_volume: 10
              successful_active_health_check_uneject_host: false
            """)).Clusters[0].OutlierDetection!;
        Assert.Equal(TimeSpan.FromMilliseconds(200), od.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), od.MaxEjectionTime);
        Assert.Equal(TimeSpan.FromMilliseconds(100), od.MaxEjectionTimeJitter);
        Assert.Equal(50, od.MaxEjectionPercent);
        Assert.True(od.AlwaysEjectOneHost);
        Assert.Equal(1.0, od.SuccessRateStdevFactor);
        Assert.True(od.SplitExternalLocalOriginErrors);
        Assert.Equal(2, od.ConsecutiveLocalOriginFailure);
        Assert.Equal(40, od.FailurePercentageThreshold);
        Assert.False(od.SuccessfulActiveHealthCheckUnejectHost);
    }

    [Fact]
    public void TheEjectionCapIsNeverBelowTheBaseTime()
    {
        var od = ConfigAssert.BindValid(Cluster("outlier_detection: { base_ejection_time: 600s }")).Clusters[0].OutlierDetection!;
        Assert.Equal(TimeSpan.FromSeconds(600), od.MaxEjectionTime);
    }

    [Theory]
    [InlineData("outlier_detection: { max_ejection_percent: 101 }", "out of range")]
    [InlineData("outlier_detection: { interval: 0s }", "interval must be greater than 0")]
    [InlineData("outlier_detection: { monitors: [] }", "monitors")]
    [InlineData("outlier_detection: { consecutive_5x: 3 }", "unknown field 'consecutive_5x'")]
    public void MistakesAreErrors(string fields, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(Cluster(fields));
        Assert.Contains(diagnostics.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }
}
