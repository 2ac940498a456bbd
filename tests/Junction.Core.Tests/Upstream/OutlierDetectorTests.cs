using System.Net;
using Junction.Core.Configuration;
using Junction.Core.Stats;
using Junction.Core.Transport;
using Junction.Core.Upstream;
using Junction.Core.Upstream.Outlier;
using Junction.Upstream;
using Microsoft.Extensions.Logging.Abstractions;

namespace Junction.Core.Tests.Upstream;

/// <summary>Envoy's outlier detection rules, driven result by result with a clock the test moves.</summary>
public sealed class OutlierDetectorTests
{
    private readonly StatsStore _stats = new();
    private readonly ManualClock _clock = new();

    /// <summary>A clock that moves only when told; no timer ever fires (tests call Sweep).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private (Cluster Cluster, OutlierDetector Detector, UpstreamHost[] Hosts) NewCluster(int hosts, OutlierDetectionConfig config, int seed = 1)
    {
        var scope = _stats.Scope("cluster").Scope("c");
        var cluster = new Cluster("c", new RoundRobinPolicy(), TimeSpan.FromSeconds(1), new CircuitBreakers(Junction.Core.Configuration.CircuitBreakerConfig.Default, scope),
            new CircuitBreakers(Junction.Core.Configuration.CircuitBreakerConfig.Default, scope, Junction.Upstream.RoutingPriority.High),
            new TransportOptions(64 * 1024), new ClusterStats(scope), NullLogger.Instance) { HealthyPanicThreshold = 0 };
        var detector = new OutlierDetector("c", config, new OutlierDetectionStats(scope.Scope("outlier_detection")),
            cluster.OnHostHealthChanged, NullLogger.Instance, _clock, new Random(seed));
        cluster.OutlierDetector = detector;
        var list = Enumerable.Range(0, hosts).Select(i => new UpstreamHost(new IPEndPoint(IPAddress.Loopback, 1000 + i), 1, null)).ToArray();
        cluster.SetHosts(new HostSet(list));
        return (cluster, detector, cluster.Hosts.Hosts);
    }

    private long Counter(string name) => _stats.CounterValue("cluster.c.outlier_detection." + name);

    private long Gauge(string name) => _stats.GaugeValue("cluster.c.outlier_detection." + name);

    private static void Report(IUpstreamHost host, int status, int times)
    {
        for (var i = 0; i < times; i++) host.ReportHttpStatus(status);
    }

    [Fact]
    public void Consecutive5xxEjectsAtTheThresholdAndTheBalancerSkipsTheHost()
    {
        var (cluster, _, hosts) = NewCluster(2, new OutlierDetectionConfig { Consecutive5xx = 3, MaxEjectionPercent = 50 });
        Report(hosts[0], 500, 2);
        hosts[0].ReportHttpStatus(200); // a success starts the run over
        Report(hosts[0], 500, 2);
        Assert.False(hosts[0].FailedOutlierCheck);

        hosts[0].ReportHttpStatus(503);
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.False(hosts[0].IsHealthy);
        Assert.Equal(1, Counter("ejections_enforced_total"));
        Assert.Equal(1, Counter("ejections_enforced_consecutive_5xx"));
        Assert.Equal(1, Counter("ejections_detected_consecutive_5xx"));
        Assert.Equal(1, Gauge("ejections_active"));
        for (var i = 0; i < 6; i++) Assert.Same(hosts[1], cluster.ChooseHost());
    }

    [Fact]
    public void AnEjectedHostReturnsOnTheFirstSweepAfterItsTimeAndTheTimeGrowsWithEachEjectionUpToTheCap()
    {
        var config = new OutlierDetectionConfig
        {
            Consecutive5xx = 1, MaxEjectionPercent = 100, BaseEjectionTime = TimeSpan.FromSeconds(10), MaxEjectionTime = TimeSpan.FromSeconds(25),
        };
        var (_, detector, hosts) = NewCluster(1, config);
        var host = hosts[0];

        var expected = new[] { 10, 20, 25, 25 };
        foreach (var seconds in expected)
        {
            host.ReportHttpStatus(500);
            Assert.True(host.FailedOutlierCheck);
            _clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            detector.Sweep();
            Assert.True(host.FailedOutlierCheck);
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            detector.Sweep();
            Assert.False(host.FailedOutlierCheck);
        }
        Assert.Equal(4, Counter("ejections_enforced_total"));
        Assert.Equal(0, Gauge("ejections_active"));
    }

    [Fact]
    public void TheMultiplierDecaysByOneForEachIntervalTheHostStaysIn()
    {
        var config = new OutlierDetectionConfig { Consecutive5xx = 1, MaxEjectionPercent = 100, BaseEjectionTime = TimeSpan.FromSeconds(10) };
        var (_, detector, hosts) = NewCluster(1, config);
        var host = hosts[0];
        host.ReportHttpStatus(500);
        _clock.Advance(TimeSpan.FromSeconds(10));
        detector.Sweep(); // back, multiplier 1
        detector.Sweep(); // one interval in service: multiplier 0
        host.ReportHttpStatus(500);
        _clock.Advance(TimeSpan.FromSeconds(10));
        detector.Sweep();
        Assert.False(host.FailedOutlierCheck); // ejected for the base time again, not twice it
    }

    [Fact]
    public void MaxEjectionPercentIsStrictAndCountsOverflows()
    {
        var (_, _, hosts) = NewCluster(4, new OutlierDetectionConfig { Consecutive5xx = 2, MaxEjectionPercent = 25 });
        Report(hosts[0], 500, 2);
        Report(hosts[1], 500, 2);
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.False(hosts[1].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_overflow"));
        Assert.Equal(2, Counter("ejections_detected_consecutive_5xx"));
        Assert.Equal(1, Counter("ejections_enforced_consecutive_5xx"));
        Assert.Equal(1, Gauge("ejections_active"));
    }

    [Fact]
    public void AtTheDefaultTenPercentASmallClusterEjectsNothingUnlessAlwaysEjectOneHost()
    {
        var (_, _, strict) = NewCluster(3, new OutlierDetectionConfig { Consecutive5xx = 1 });
        strict[0].ReportHttpStatus(500);
        Assert.False(strict[0].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_overflow"));

        var (_, _, lenient) = NewCluster(3, new OutlierDetectionConfig { Consecutive5xx = 1, AlwaysEjectOneHost = true });
        lenient[0].ReportHttpStatus(500);
        lenient[1].ReportHttpStatus(500);
        Assert.True(lenient[0].FailedOutlierCheck);
        Assert.False(lenient[1].FailedOutlierCheck);
    }

    [Fact]
    public void GatewayFailuresAreDetectedButEnforcedOnlyWhenConfigured()
    {
        var (_, _, hosts) = NewCluster(2, new OutlierDetectionConfig { ConsecutiveGatewayFailure = 2, MaxEjectionPercent = 100 });
        Report(hosts[0], 502, 2);
        Assert.False(hosts[0].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_detected_consecutive_gateway_failure"));
        Assert.Equal(0, Counter("ejections_enforced_consecutive_gateway_failure"));

        var (_, _, enforced) = NewCluster(2, new OutlierDetectionConfig
        {
            ConsecutiveGatewayFailure = 2, EnforcingConsecutiveGatewayFailure = 100, MaxEjectionPercent = 100,
        });
        enforced[0].ReportHttpStatus(504);
        enforced[0].ReportHttpStatus(500); // a 5xx that is not a gateway failure breaks that run
        enforced[0].ReportHttpStatus(503);
        Assert.False(enforced[0].FailedOutlierCheck);
        enforced[0].ReportHttpStatus(503);
        Assert.True(enforced[0].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_enforced_consecutive_gateway_failure"));
    }

    [Fact]
    public void WithoutTheSplitConnectFailuresCountAsServerErrors()
    {
        var (_, _, hosts) = NewCluster(2, new OutlierDetectionConfig { Consecutive5xx = 3, MaxEjectionPercent = 100 });
        hosts[0].ReportLocalOrigin(LocalOriginResult.ConnectFailed);
        hosts[0].ReportLocalOrigin(LocalOriginResult.ConnectSucceeded); // says nothing: HTTP reports next
        hosts[0].ReportLocalOrigin(LocalOriginResult.Timeout);
        hosts[0].ReportHttpStatus(500);
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_enforced_consecutive_5xx"));
    }

    [Fact]
    public void WithTheSplitLocalOriginFailuresEjectOnTheirOwnAndLeave5xxAlone()
    {
        var (_, _, hosts) = NewCluster(2, new OutlierDetectionConfig
        {
            SplitExternalLocalOriginErrors = true, ConsecutiveLocalOriginFailure = 2, Consecutive5xx = 2, MaxEjectionPercent = 100,
        });
        hosts[0].ReportLocalOrigin(LocalOriginResult.ConnectFailed);
        hosts[0].ReportHttpStatus(500);
        hosts[0].ReportLocalOrigin(LocalOriginResult.ConnectSucceeded); // resets the local run only
        hosts[0].ReportLocalOrigin(LocalOriginResult.Reset);
        Assert.False(hosts[0].FailedOutlierCheck);
        hosts[0].ReportLocalOrigin(LocalOriginResult.ConnectFailed);
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_enforced_consecutive_local_origin_failure"));
        Assert.Equal(0, Counter("ejections_detected_consecutive_5xx"));
    }

    [Fact]
    public void SuccessRateEjectsTheHostFarBelowTheMeanOnTheSweep()
    {
        var config = new OutlierDetectionConfig { SuccessRateRequestVolume = 100, SuccessRateMinimumHosts = 5, MaxEjectionPercent = 20, Consecutive5xx = 0 };
        var (_, detector, hosts) = NewCluster(5, config);
        foreach (var host in hosts.Skip(1)) Report(host, 200, 100);
        Report(hosts[0], 200, 50);
        Report(hosts[0], 500, 50);
        Assert.False(hosts[0].FailedOutlierCheck);

        detector.Sweep();
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.All(hosts.Skip(1), h => Assert.False(h.FailedOutlierCheck));
        Assert.Equal(1, Counter("ejections_enforced_success_rate"));
        Assert.Equal(1, Counter("ejections_detected_success_rate"));
    }

    [Fact]
    public void SuccessRateNeedsEnoughHostsWithEnoughRequests()
    {
        var config = new OutlierDetectionConfig { SuccessRateRequestVolume = 100, SuccessRateMinimumHosts = 5, MaxEjectionPercent = 100, Consecutive5xx = 0 };
        var (_, detector, hosts) = NewCluster(5, config);
        foreach (var host in hosts.Skip(2)) Report(host, 200, 100);
        Report(hosts[1], 200, 99); // one request short of the volume
        Report(hosts[0], 500, 100);
        detector.Sweep();
        Assert.False(hosts[0].FailedOutlierCheck);
        Assert.Equal(0, Counter("ejections_detected_success_rate"));

        // Each sweep starts a new interval: last interval's results do not carry over.
        detector.Sweep();
        Assert.False(hosts[0].FailedOutlierCheck);
    }

    [Fact]
    public void FailurePercentageEjectsWhenEnforced()
    {
        var config = new OutlierDetectionConfig
        {
            EnforcingFailurePercentage = 100, FailurePercentageThreshold = 50, FailurePercentageMinimumHosts = 2,
            FailurePercentageRequestVolume = 10, SuccessRateMinimumHosts = 100, MaxEjectionPercent = 100, Consecutive5xx = 0,
        };
        var (_, detector, hosts) = NewCluster(3, config);
        Report(hosts[0], 200, 4);
        Report(hosts[0], 500, 6);
        Report(hosts[1], 200, 10);
        Report(hosts[2], 500, 3); // too few requests to judge
        detector.Sweep();
        Assert.True(hosts[0].FailedOutlierCheck);
        Assert.False(hosts[2].FailedOutlierCheck);
        Assert.Equal(1, Counter("ejections_enforced_failure_percentage"));
    }

    [Fact]
    public void AnEjectedHostCountsAsUnhealthyForPanic()
    {
        var (cluster, _, hosts) = NewCluster(2, new OutlierDetectionConfig { Consecutive5xx = 1, MaxEjectionPercent = 100 });
        hosts[0].ReportHttpStatus(500);
        hosts[1].ReportHttpStatus(500);
        Assert.Null(cluster.ChooseHost()); // panic threshold 0: no healthy host means none
        Assert.Equal(0, _stats.GaugeValue("cluster.c.membership_healthy"));
    }

    [Fact]
    public void APassingActiveHealthCheckReturnsAnEjectedHost()
    {
        var (_, detector, hosts) = NewCluster(1, new OutlierDetectionConfig { Consecutive5xx = 1, MaxEjectionPercent = 100 });
        hosts[0].ReportHttpStatus(500);
        Assert.True(hosts[0].FailedOutlierCheck);
        hosts[0].Outlier!.OnActiveHealthCheckPassed();
        Assert.False(hosts[0].FailedOutlierCheck);
        Assert.Equal(0, detector.EjectedCount);
    }

    [Fact]
    public void AHostThatLeavesTheClusterStopsCountingAsEjected()
    {
        var (cluster, detector, hosts) = NewCluster(2, new OutlierDetectionConfig { Consecutive5xx = 1, MaxEjectionPercent = 100 });
        hosts[0].ReportHttpStatus(500);
        cluster.SetHosts(new HostSet([hosts[1]]));
        Assert.Equal(0, detector.EjectedCount);
        Assert.Equal(0, Gauge("ejections_active"));
        Assert.Null(hosts[0].Outlier);
    }
}
