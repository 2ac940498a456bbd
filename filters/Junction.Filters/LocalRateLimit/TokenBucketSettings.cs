using Junction.Configuration;

namespace Junction.Filters.LocalRateLimit;

/// <summary>Envoy's <c>TokenBucket</c>: <c>max_tokens</c>, <c>tokens_per_fill</c> (default 1) and <c>fill_interval</c>.</summary>
/// <param name="MaxTokens">The bucket's size, and its content at the start.</param>
/// <param name="TokensPerFill">Tokens added each interval.</param>
/// <param name="FillInterval">How often tokens are added; at least 50 ms, as in Envoy.</param>
internal sealed record TokenBucketSettings(long MaxTokens, long TokensPerFill, TimeSpan FillInterval)
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Binds a <c>token_bucket</c> mapping; null after errors (reported on its nodes).</summary>
    public static TokenBucketSettings? Bind(ConfigMap map)
    {
        var errors = map.Diagnostics.Errors.Count;
        if (!map.Has("max_tokens")) map.Error("missing required field 'max_tokens'");
        var maxTokens = map.Int64("max_tokens", 0, min: 1, max: uint.MaxValue);
        // tokens_per_fill is a UInt32Value: written either as a number or as { value: N }.
        long tokensPerFill = 1;
        if (map.Node("tokens_per_fill") is ConfigMap wrapped)
        {
            tokensPerFill = wrapped.Int64("value", 1, min: 1, max: uint.MaxValue);
            wrapped.RejectUnknownFields();
        }
        else
        {
            tokensPerFill = map.Int64("tokens_per_fill", 1, min: 1, max: uint.MaxValue);
        }
        var interval = map.Duration("fill_interval", required: true);
        if (interval is { } value && value < MinimumInterval)
        {
            map.Node("fill_interval")!.Error("fill_interval must be at least 50ms");
        }
        map.RejectUnknownFields();
        if (map.Diagnostics.Errors.Count > errors || interval is null) return null;
        return new TokenBucketSettings(maxTokens, tokensPerFill, interval.Value);
    }
}
