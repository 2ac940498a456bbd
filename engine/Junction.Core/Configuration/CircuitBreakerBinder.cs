using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>circuit_breakers</c>.</summary>
internal static class CircuitBreakerBinder
{
    private static readonly string[] NotYetFields =
    [
        "max_requests", "max_retries", "track_remaining", "retry_budget", "max_connection_pools",
    ];

    /// <summary>Binds <paramref name="breakers"/>; Envoy's defaults when it is absent.</summary>
    public static CircuitBreakerConfig Bind(ConfigMap? breakers)
    {
        if (breakers is null) return CircuitBreakerConfig.Default;

        var result = CircuitBreakerConfig.Default;
        ConfigMap? defaultThresholds = null;
        foreach (var thresholds in breakers.Maps("thresholds"))
        {
            var isHigh = thresholds.Choice("priority", false, ("DEFAULT", false), ("HIGH", true));
            var maxConnections = thresholds.Int32("max_connections", CircuitBreakerConfig.Default.MaxConnections, min: 0);
            var maxPending = thresholds.Int32("max_pending_requests", CircuitBreakerConfig.Default.MaxPendingRequests, min: 0);
            foreach (var field in NotYetFields) thresholds.Unsupported(field);
            thresholds.RejectUnknownFields();

            if (isHigh)
            {
                // Priorities come from routes; a TCP proxy has none, so HIGH thresholds could never apply.
                thresholds.Node("priority")!.Error("field 'priority' is not supported: only DEFAULT thresholds are supported");
                continue;
            }
            if (defaultThresholds is not null)
            {
                thresholds.Error($"duplicate thresholds for priority DEFAULT (first defined at line {defaultThresholds.Mark.Line})");
                continue;
            }
            defaultThresholds = thresholds;
            result = new CircuitBreakerConfig(maxConnections, maxPending);
        }
        breakers.Unsupported("per_host_thresholds");
        breakers.RejectUnknownFields();
        return result;
    }
}
