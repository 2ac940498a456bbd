using Junction.AccessLog;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>
    /// The route's cluster cannot take the request (<paramref name="reason"/>: no healthy host, or its
    /// circuit breaker is open): switches the exchange to the route's <c>junction_fallback</c>, if it has
    /// one not yet used, and returns true; the caller then opens the upstream again, which now goes to
    /// the fallback cluster or answers with the fallback's direct response. Counted on the primary
    /// cluster as <c>upstream_rq_fallback</c> and flagged FB (with the reason's flag) in the access log.
    /// A fallback is used at most once per request, so a failing fallback cluster answers as usual.
    /// </summary>
    private bool TryUseFallback(Exchange exchange, ResponseFlags reason) =>
        RouteFallbackSwitch.TryApply(ref exchange.Route, exchange.Info, provider.Stats.Root, reason);
}

/// <summary>Switches a routing decision to its route's fallback; shared by the HTTP/1.1 and HTTP/2 paths.</summary>
internal static class RouteFallbackSwitch
{
    /// <summary>
    /// True when the route had a fallback not yet used: <paramref name="route"/> now names the fallback
    /// cluster, or is the fallback's direct response. Counted on the primary as <c>upstream_rq_fallback</c>
    /// and flagged FB (with <paramref name="reason"/>'s flag).
    /// </summary>
    public static bool TryApply(ref RouteOutcome route, AccessLog.StreamInfo info, Stats.IStatsScope root, ResponseFlags reason)
    {
        if (route.Fallback is not { } fallback || route.Cluster is not { } primary) return false;
        route.Fallback = null;
        UpstreamRequestStats.For(primary, root).Fallbacks.Increment();
        info.SetFlag(reason | ResponseFlags.UpstreamFallback);
        if (fallback.Cluster is { } cluster)
        {
            route.Cluster = cluster;
        }
        else
        {
            route.Kind = RouteOutcomeKind.DirectResponse;
            route.Status = fallback.DirectResponse!.Status;
            route.Body = fallback.DirectResponse.Body;
        }
        return true;
    }
}
