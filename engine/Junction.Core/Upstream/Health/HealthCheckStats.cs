using Junction.Stats;

namespace Junction.Core.Upstream.Health;

/// <summary>Envoy's <c>cluster.&lt;name&gt;.health_check.*</c> stats, resolved once per cluster.</summary>
internal sealed class HealthCheckStats(IStatsScope scope)
{
    /// <summary>Probes started.</summary>
    public Counter Attempt { get; } = scope.Counter("attempt");

    /// <summary>Probes that succeeded.</summary>
    public Counter Success { get; } = scope.Counter("success");

    /// <summary>Probes that failed for any reason (network failures included).</summary>
    public Counter Failure { get; } = scope.Counter("failure");

    /// <summary>Probes that failed without a usable answer: refused, reset, closed, malformed or timed out.</summary>
    public Counter NetworkFailure { get; } = scope.Counter("network_failure");

    /// <summary>Hosts currently healthy.</summary>
    public Gauge Healthy { get; } = scope.Gauge("healthy");
}
