using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>circuit_breakers</c>.</summary>
internal static class CircuitBreakerBinder
{
    /// <summary>
    /// Binds <paramref name="breakers"/>: the DEFAULT thresholds are returned, the HIGH ones go to
    /// <paramref name="high"/>. A priority without an entry gets Envoy's defaults (the same for both).
    /// </summary>
    public static CircuitBreakerConfig Bind(ConfigMap? breakers, out CircuitBreakerConfig high)
    {
        high = CircuitBreakerConfig.Default;
        if (breakers is null) return CircuitBreakerConfig.Default;

        var result = CircuitBreakerConfig.Default;
        var defaults = CircuitBreakerConfig.Default;
        // The first entry seen for each priority (DEFAULT, HIGH), for the duplicate error.
        var seen = new ConfigMap?[2];
        foreach (var thresholds in breakers.Maps("thresholds"))
        {
            var isHigh = thresholds.Choice("priority", false, ("DEFAULT", false), ("HIGH", true));
            var maxConnections = thresholds.Int32("max_connections", defaults.MaxConnections, min: 0);
            var maxPending = thresholds.Int32("max_pending_requests", defaults.MaxPendingRequests, min: 0);
            var maxRequests = thresholds.Int32("max_requests", defaults.MaxRequests, min: 0);
            var maxRetries = thresholds.Int32("max_retries", defaults.MaxRetries, min: 0);
            var budget = thresholds.Map("retry_budget") is { } budgetMap ? BindRetryBudget(budgetMap) : null;
            var trackRemaining = thresholds.Bool("track_remaining", false);
            // Junction keeps one HTTP/1.1 pool per host and priority, so the number of pools follows the hosts.
            thresholds.Unsupported("max_connection_pools", "Junction keeps one connection pool per host and priority");
            thresholds.RejectUnknownFields();

            var slot = isHigh ? 1 : 0;
            if (seen[slot] is { } first)
            {
                thresholds.Error($"duplicate thresholds for priority {(isHigh ? "HIGH" : "DEFAULT")} (first defined at line {first.Mark.Line})");
                continue;
            }
            seen[slot] = thresholds;
            var config = new CircuitBreakerConfig(maxConnections, maxPending, maxRequests, maxRetries, budget, trackRemaining);
            if (isHigh) high = config;
            else result = config;
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
