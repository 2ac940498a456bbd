using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>circuit_breakers</c>.</summary>
internal static class CircuitBreakerBinder
{
    /// <summary>Binds <paramref name="breakers"/>; Envoy's defaults when it is absent.</summary>
    public static CircuitBreakerConfig Bind(ConfigMap? breakers)
    {
        if (breakers is null) return CircuitBreakerConfig.Default;

        var result = CircuitBreakerConfig.Default;
        var defaults = CircuitBreakerConfig.Default;
        ConfigMap? defaultThresholds = null;
        foreach (var thresholds in breakers.Maps("thresholds"))
        {
            var isHigh = thresholds.Choice("priority", false, ("DEFAULT", false), ("HIGH", true));
            var maxConnections = thresholds.Int32("max_connections", defaults.MaxConnections, min: 0);
            var maxPending = thresholds.Int32("max_pending_requests", defaults.MaxPendingRequests, min: 0);
            var maxRequests = thresholds.Int32("max_requests", defaults.MaxRequests, min: 0);
            var maxRetries = thresholds.Int32("max_retries", defaults.MaxRetries, min: 0);
            var budget = thresholds.Map("retry_budget") is { } budgetMap ? BindRetryBudget(budgetMap) : null;
            var trackRemaining = thresholds.Bool("track_remaining", false);
            // Junction keeps one HTTP/1.1 pool per host, so the number of pools is the number of hosts.
            thresholds.Unsupported("max_connection_pools", "Junction keeps one connection pool per host");
            thresholds.RejectUnknownFields();

            if (isHigh)
            {
                // Priorities come from routes (route priority is not supported), so HIGH thresholds could never apply.
                thresholds.Node("priority")!.Error("field 'priority' is not supported: only DEFAULT thresholds are supported");
                continue;
            }
            if (defaultThresholds is not null)
            {
                thresholds.Error($"duplicate thresholds for priority DEFAULT (first defined at line {defaultThresholds.Mark.Line})");
                continue;
            }
            defaultThresholds = thresholds;
            result = new CircuitBreakerConfig(maxConnections, maxPending, maxRequests, maxRetries, budget, trackRemaining);
        }
        breakers.Unsupported("per_host_thresholds");
        breakers.RejectUnknownFields();
        return result;
    }

    /// <summary><c>retry_budget</c>: <c>budget_percent</c> (an Envoy <c>Percent</c>, default 20) and <c>min_retry_concurrency</c> (default 3).</summary>
    private static RetryBudgetConfig BindRetryBudget(ConfigMap budget)
    {
        var percent = RetryBudgetConfig.Default.BudgetPercent;
        if (budget.Map("budget_percent") is { } percentMap)
        {
            percent = percentMap.Double("value", 0, 0, 100);
            percentMap.RejectUnknownFields();
        }
        var minConcurrency = budget.Int32("min_retry_concurrency", RetryBudgetConfig.Default.MinRetryConcurrency, min: 0);
        budget.RejectUnknownFields();
        return new RetryBudgetConfig(percent, minConcurrency);
    }
}
