using Junction.Configuration;
using Junction.Network;
using Junction.Stats;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// Registers <c>envoy.filters.network.local_ratelimit</c>: each new connection takes a token from a bucket
/// shared by the filter's connections; one that finds it empty is closed at once, before any later filter
/// sees it, and counted in <c>local_ratelimit.&lt;stat_prefix&gt;.rate_limited</c>.
/// </summary>
public sealed class NetworkLocalRateLimitFactory : INetworkFilterFactory
{
    private readonly TimeProvider _clock;

    /// <summary>A factory on the system clock.</summary>
    public NetworkLocalRateLimitFactory()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A factory on a given clock (tests).</summary>
    internal NetworkLocalRateLimitFactory(TimeProvider clock) => _clock = clock;

    /// <inheritdoc />
    public string Name => "envoy.filters.network.local_ratelimit";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["local_ratelimit"];

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = ["type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit"];

    /// <inheritdoc />
    public bool IsTerminal => false;

    /// <inheritdoc />
    public INetworkFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IFilterFactoryContext context)
    {
        if (typedConfig is null)
        {
            entry.Error("envoy.filters.network.local_ratelimit needs a typed_config with stat_prefix and token_bucket");
            return null;
        }
        var errors = typedConfig.Diagnostics.Errors.Count;
        var statPrefix = typedConfig.String("stat_prefix", required: true);
        if (statPrefix is { Length: 0 }) typedConfig.Node("stat_prefix")!.Error("stat_prefix must not be empty");
        var bucket = typedConfig.Map("token_bucket", required: true) is { } bucketMap ? TokenBucketSettings.Bind(bucketMap) : null;
        var enabled = true;
        if (typedConfig.Map("runtime_enabled") is { } runtime)
        {
            // A RuntimeFeatureFlag: Junction's runtime has no key for it, so default_value decides.
            if (!runtime.Has("default_value")) runtime.Error("missing required field 'default_value'");
            enabled = runtime.Bool("default_value", true);
            runtime.String("runtime_key");
            runtime.RejectUnknownFields();
        }
        typedConfig.Unsupported("share_key", "buckets shared between filter chains are not supported");
        typedConfig.RejectUnknownFields();
        if (typedConfig.Diagnostics.Errors.Count > errors || bucket is null || statPrefix is null) return null;
        var rateLimited = context.Stats.Scope("local_ratelimit").Scope(statPrefix).Counter("rate_limited");
        return new Provider(enabled ? new TokenBucket(bucket, _clock) : null, rateLimited);
    }

    private sealed class Provider(TokenBucket? bucket, Counter rateLimited) : INetworkFilterProvider
    {
        public void CreateFilters(INetworkFilterChainBuilder chain)
        {
            // Disabled by runtime_enabled: the filter is left out of the chain altogether.
            if (bucket is not null) chain.AddReadFilter(new NetworkLocalRateLimitFilter(bucket, rateLimited));
        }
    }
}
