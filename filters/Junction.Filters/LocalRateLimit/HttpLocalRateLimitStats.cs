using Junction.Stats;

namespace Junction.Filters.LocalRateLimit;

/// <summary>Envoy's counters for an HTTP local rate limit, under <c>&lt;stat_prefix&gt;.http_local_rate_limit.</c>.</summary>
internal sealed class HttpLocalRateLimitStats(IStatsScope scope)
{
    /// <summary>Requests for which the bucket was consulted (the filter was enabled for them).</summary>
    public Counter Enabled { get; } = scope.Counter("enabled");

    /// <summary>Requests that got a token.</summary>
    public Counter Ok { get; } = scope.Counter("ok");

    /// <summary>Requests that found the bucket empty, enforced or not.</summary>
    public Counter RateLimited { get; } = scope.Counter("rate_limited");

    /// <summary>Requests answered with the rate-limit status.</summary>
    public Counter Enforced { get; } = scope.Counter("enforced");

    /// <summary>The stats of the filter whose own <c>stat_prefix</c> is <paramref name="statPrefix"/>.</summary>
    public static HttpLocalRateLimitStats For(IStatsScope root, string statPrefix) =>
        new(root.Scope(statPrefix).Scope("http_local_rate_limit"));
}
