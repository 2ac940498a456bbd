using Junction.AccessLog;
using Junction.HttpFilters;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// One request's local rate limit: takes a token from the route's bucket (or the filter's), or answers with
/// the rate-limit status; the answer passes back through this filter, which adds the configured headers.
/// </summary>
internal sealed class HttpLocalRateLimitFilter(HttpLocalRateLimitSettings filterSettings, Random random) : IHttpDecoderFilter, IHttpEncoderFilter
{
    private IHttpFilterCallbacks _callbacks = null!;
    // Set when this filter answered the request: the reply gets its headers on the way out.
    private HttpLocalRateLimitSettings? _limitedBy;

    public void Initialize(IHttpFilterCallbacks callbacks) => _callbacks = callbacks;

    public ValueTask<HttpFilterStatus> DecodeHeadersAsync(IHttpRequestHeaders headers, bool endOfStream)
    {
        // A route's settings replace the filter's, bucket and all (Envoy's most specific config wins).
        var settings = _callbacks.RouteConfig<HttpLocalRateLimitSettings>() ?? filterSettings;
        if (settings.Bucket is not { } bucket || !settings.Enabled.Sample(random)) return ValueTask.FromResult(HttpFilterStatus.Continue);
        var stats = settings.Stats ?? filterSettings.Stats!;
        stats.Enabled.Increment();
        if (bucket.TryConsume())
        {
            stats.Ok.Increment();
            return ValueTask.FromResult(HttpFilterStatus.Continue);
        }
        stats.RateLimited.Increment();
        if (!settings.Enforced.Sample(random))
        {
            foreach (var addition in settings.RequestHeadersWhenNotEnforced) addition.ApplyTo(headers);
            return ValueTask.FromResult(HttpFilterStatus.Continue);
        }
        stats.Enforced.Increment();
        _limitedBy = settings;
        _callbacks.Info.SetFlag(ResponseFlags.RateLimited);
        _callbacks.SendLocalReply(settings.Status, "local_rate_limited", "local_rate_limited");
        return ValueTask.FromResult(HttpFilterStatus.StopIteration);
    }

    public ValueTask<HttpFilterStatus> EncodeHeadersAsync(IHttpResponseHeaders headers, bool endOfStream)
    {
        if (_limitedBy is { } settings)
        {
            headers.Set("x-envoy-ratelimited", "true");
            foreach (var addition in settings.ResponseHeaders) addition.ApplyTo(headers);
        }
        return ValueTask.FromResult(HttpFilterStatus.Continue);
    }
}
