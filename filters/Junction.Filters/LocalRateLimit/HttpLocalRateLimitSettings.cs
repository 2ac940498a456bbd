namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// One <c>LocalRateLimit</c> message bound: the filter's own, or a route's, which replaces it for that
/// route's requests (with its own bucket).
/// </summary>
/// <param name="Bucket">The tokens; null when the message has no <c>token_bucket</c> (nothing is limited).</param>
/// <param name="Enabled">The share of requests that consult the bucket (<c>filter_enabled</c>, default none).</param>
/// <param name="Enforced">The share of those without a token that are answered (<c>filter_enforced</c>, default none).</param>
/// <param name="Status">The answer's status (<c>status.code</c>; 429 unless 400 or more is configured).</param>
/// <param name="ResponseHeaders">Added to the rate-limited answer (<c>response_headers_to_add</c>).</param>
/// <param name="RequestHeadersWhenNotEnforced">Added to a request that had no token but was let through.</param>
/// <param name="Stats">Counters: the message's own <c>stat_prefix</c>; null on a route without one (the filter's are used).</param>
internal sealed record HttpLocalRateLimitSettings(
    TokenBucket? Bucket,
    FractionalPercent Enabled,
    FractionalPercent Enforced,
    int Status,
    IReadOnlyList<HeaderAddition> ResponseHeaders,
    IReadOnlyList<HeaderAddition> RequestHeadersWhenNotEnforced,
    HttpLocalRateLimitStats? Stats);
