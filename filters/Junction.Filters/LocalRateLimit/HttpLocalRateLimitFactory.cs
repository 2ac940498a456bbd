using Junction.Configuration;
using Junction.HttpFilters;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// Registers <c>envoy.filters.http.local_ratelimit</c>: a token bucket shared by the requests of the
/// filter (or of a route with its own <c>typed_per_filter_config</c>); a request that finds it empty is
/// answered with 429 (or the configured status) and never reaches the upstream.
/// </summary>
public sealed class HttpLocalRateLimitFactory : IHttpFilterFactory
{
    private readonly TimeProvider _clock;
    private readonly Random _random;

    /// <summary>A factory on the system clock and shared randomness.</summary>
    public HttpLocalRateLimitFactory()
        : this(TimeProvider.System, Random.Shared)
    {
    }

    /// <summary>A factory on a given clock and source of randomness (tests).</summary>
    internal HttpLocalRateLimitFactory(TimeProvider clock, Random random)
    {
        _clock = clock;
        _random = random;
    }

    /// <inheritdoc />
    public string Name => "envoy.filters.http.local_ratelimit";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["local_ratelimit"];

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = ["type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"];

    /// <inheritdoc />
    public IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context)
    {
        if (typedConfig is null)
        {
            entry.Error("envoy.filters.http.local_ratelimit needs a typed_config with stat_prefix");
            return null;
        }
        var settings = Bind(typedConfig, context, statPrefixRequired: true);
        return settings is null ? null : new Provider(settings, _random);
    }

    /// <inheritdoc />
    public object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context) =>
        Bind(config, context, statPrefixRequired: false);

    private HttpLocalRateLimitSettings? Bind(ConfigMap map, IHttpFilterFactoryContext context, bool statPrefixRequired)
    {
        var errors = map.Diagnostics.Errors.Count;
        var statPrefix = map.String("stat_prefix", required: statPrefixRequired);
        if (statPrefix is { Length: 0 }) map.Node("stat_prefix")!.Error("stat_prefix must not be empty");
        var bucket = map.Map("token_bucket") is { } bucketMap ? TokenBucketSettings.Bind(bucketMap) : null;
        var enabled = BindRuntimePercent(map, "filter_enabled");
        var enforced = BindRuntimePercent(map, "filter_enforced");
        var status = 429;
        if (map.Map("status") is { } statusMap)
        {
            // HttpStatus.code is an enum of status codes; Envoy uses 429 for anything below 400.
            var code = statusMap.Int32("code", 429, min: 100, max: 599);
            statusMap.RejectUnknownFields();
            status = code < 400 ? 429 : code;
        }
        var responseHeaders = HeaderAddition.BindAll(map, "response_headers_to_add");
        var requestHeaders = HeaderAddition.BindAll(map, "request_headers_to_add_when_not_enforced");
        if (!map.Has("token_bucket") && enabled.Numerator > 0)
        {
            map.Error("filter_enabled needs a token_bucket to consult");
        }
        RejectUnsupported(map);
        map.RejectUnknownFields();
        if (map.Diagnostics.Errors.Count > errors) return null;
        var stats = statPrefix is { Length: > 0 } prefix ? HttpLocalRateLimitStats.For(context.Stats, prefix) : null;
        return new HttpLocalRateLimitSettings(bucket is null ? null : new TokenBucket(bucket, _clock), enabled, enforced, status,
            responseHeaders, requestHeaders, stats);
    }

    /// <summary>
    /// A <c>RuntimeFractionalPercent</c>: only <c>default_value</c> counts. Junction's runtime has no keys
    /// for it, so the <c>runtime_key</c> is accepted and never finds a value, as in an Envoy without one.
    /// Absent means 0%: Envoy's default, so that a filter nobody enabled limits nothing.
    /// </summary>
    private static FractionalPercent BindRuntimePercent(ConfigMap map, string key)
    {
        if (map.Map(key) is not { } runtime) return FractionalPercent.Never;
        var value = runtime.Map("default_value", required: true) is { } percent ? FractionalPercent.Bind(percent) : FractionalPercent.Never;
        runtime.String("runtime_key");
        runtime.RejectUnknownFields();
        return value;
    }

    private static void RejectUnsupported(ConfigMap map)
    {
        map.Unsupported("descriptors", "descriptor-based limits need rate_limits actions");
        map.Unsupported("rate_limits");
        map.Unsupported("vh_rate_limits");
        map.Unsupported("local_cluster_rate_limit");
        map.Unsupported("max_dynamic_descriptors");
        map.Unsupported("request_headers_to_add_when_not_enforced_from_runtime");
        map.Int32("stage", 0, min: 0, max: 0);
        // Only meaningful with descriptors, which are refused above.
        map.Bool("always_consume_default_token_bucket", true);
        if (map.Bool("local_rate_limit_per_downstream_connection", false))
        {
            map.Node("local_rate_limit_per_downstream_connection")!.Error("a bucket per downstream connection is not supported");
        }
        if (map.Bool("rate_limited_as_resource_exhausted", false))
        {
            map.Node("rate_limited_as_resource_exhausted")!.Error("gRPC status mapping is not supported");
        }
        map.Choice("enable_x_ratelimit_headers", 0, ("OFF", 0));
    }

    private sealed class Provider(HttpLocalRateLimitSettings settings, Random random) : IHttpFilterProvider
    {
        public IHttpStreamFilter CreateFilter() => new HttpLocalRateLimitFilter(settings, random);
    }
}
