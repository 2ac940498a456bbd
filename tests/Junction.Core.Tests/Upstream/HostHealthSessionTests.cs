using System.Net;
using Junction.Configuration;
using Junction.Core.Configuration;
using Junction.Core.Stats;
using Junction.Core.Upstream;
using Junction.Core.Upstream.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace Junction.Core.Tests.Upstream;

/// <summary>Envoy's health transitions, one probe result at a time.</summary>
public sealed class HostHealthSessionTests
{
    private readonly StatsStore _stats = new();
    private int _changes;

    private (UpstreamHost Host, HostHealthSession Session) NewSession(int unhealthyThreshold = 3, int healthyThreshold = 2, HealthCheckIntervals? intervals = null)
    {
        var host = new UpstreamHost(new IPEndPoint(IPAddress.Loopback, 9), 1, null);
        host.SetFailedActiveHealthCheck(true);
        var node = new ConfigMap("", new ConfigMark("t", 1, 1), new ConfigDiagnostics(), []);
        var config = new HealthCheckConfig(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.Zero, unhealthyThreshold, healthyThreshold, null, null, node);
        if (intervals is not null) config = config with { Intervals = intervals };
        var session = new HostHealthSession(host, config, new NeverProbe(), new HealthCheckStats(_stats.Scope("hc")), () => _changes++, NullLogger.Instance);
        return (host, session);
    }

    [Fact]
    public void TheNextIntervalFollowsTrafficTheResultAndThresholdEdgesAsInEnvoy()
    {
        static TimeSpan S(int seconds) => TimeSpan.FromSeconds(seconds);
        var (host, session) = NewSession(unhealthyThreshold: 3, healthyThreshold: 2,
            new HealthCheckIntervals(Interval: S(1), NoTraffic: S(60), NoTrafficHealthy: S(30), Unhealthy: S(5), UnhealthyEdge: S(2), HealthyEdge: S(3)));
        (TimeSpan WithTraffic, TimeSpan Without) After(HealthProbeResult result)
        {
            var transition = session.Apply(result);
            var succeeded = result == HealthProbeResult.Success;
            return (session.BaseInterval(true, succeeded, transition), session.BaseInterval(false, succeeded, transition));
        }

        // The first result decides at once: healthy, so interval (or no_traffic_healthy_interval).
        Assert.Equal((S(1), S(30)), After(HealthProbeResult.Success));
        // A network failure below unhealthy_threshold: the host is on the unhealthy edge.
        Assert.Equal((S(2), S(60)), After(HealthProbeResult.NetworkFailure));
        Assert.Equal((S(2), S(60)), After(HealthProbeResult.NetworkFailure));
        // The third ejects it; failures of an unhealthy host wait unhealthy_interval.
        Assert.Equal((S(5), S(60)), After(HealthProbeResult.NetworkFailure));
        Assert.False(host.IsHealthy);
        Assert.Equal((S(5), S(60)), After(HealthProbeResult.Failure));
        // A success below healthy_threshold: the healthy edge; the second brings it back, to interval.
        Assert.Equal((S(3), S(60)), After(HealthProbeResult.Success));
        Assert.Equal((S(1), S(30)), After(HealthProbeResult.Success));
        Assert.True(host.IsHealthy);
    }

    [Fact]
    public void TheFirstSuccessMarksANewHostHealthyAtOnce()
    {
        var (host, session) = NewSession(healthyThreshold: 3);
        session.Apply(HealthProbeResult.Success);
        Assert.True(host.IsHealthy);
        Assert.Equal(1, _changes);
    }

    [Fact]
    public void NetworkFailuresEjectAfterUnhealthyThresholdInARow()
    {
        var (host, session) = NewSession(unhealthyThreshold: 3);
        session.Apply(HealthProbeResult.Success);
        session.Apply(HealthProbeResult.NetworkFailure);
        session.Apply(HealthProbeResult.NetworkFailure);
        session.Apply(HealthProbeResult.Success);
        // The success reset the count: two more failures are not enough.
        session.Apply(HealthProbeResult.NetworkFailure);
        session.Apply(HealthProbeResult.RetriableFailure);
        Assert.True(host.IsHealthy);
        session.Apply(HealthProbeResult.NetworkFailure);
        Assert.False(host.IsHealthy);
        Assert.Equal(5, _stats.CounterValue("hc.failure"));
        Assert.Equal(4, _stats.CounterValue("hc.network_failure"));
    }

    [Fact]
    public void AnUnexpectedStatusEjectsAtOnce()
    {
        var (host, session) = NewSession(unhealthyThreshold: 5);
        session.Apply(HealthProbeResult.Success);
        session.Apply(HealthProbeResult.Failure);
        Assert.False(host.IsHealthy);
        Assert.Equal(0, _stats.CounterValue("hc.network_failure"));
    }

    [Fact]
    public void AnUnhealthyHostNeedsHealthyThresholdSuccessesInARow()
    {
        var (host, session) = NewSession(healthyThreshold: 3);
        session.Apply(HealthProbeResult.Failure);
        Assert.False(host.IsHealthy);
        session.Apply(HealthProbeResult.Success);
        session.Apply(HealthProbeResult.Success);
        session.Apply(HealthProbeResult.NetworkFailure);
        session.Apply(HealthProbeResult.Success);
        session.Apply(HealthProbeResult.Success);
        Assert.False(host.IsHealthy);
        session.Apply(HealthProbeResult.Success);
        Assert.True(host.IsHealthy);
        Assert.Equal(5, _stats.CounterValue("hc.success"));
    }

    private sealed class NeverProbe : IHealthProbe
    {
        public ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the tests apply results directly");
    }
}
