using Junction.Configuration;
using Junction.HttpFilters;
using Junction.Network;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>
/// Registers a test filter under <paramref name="name"/>: every stream gets a filter from
/// <paramref name="create"/>. Per-route configuration, when allowed, is the route's <c>value</c> string.
/// </summary>
internal sealed class TestFilterFactory(string name, Func<IHttpStreamFilter> create, bool perRoute = false) : IHttpFilterFactory
{
    public string Name => name;

    public IReadOnlyList<string> Aliases => [];

    public IReadOnlyList<string> TypeUrls => [];

    public IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context)
    {
        typedConfig?.RejectUnknownFields();
        return new Provider(create);
    }

    public object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context)
    {
        if (!perRoute)
        {
            config.Error($"{name} has no per-route configuration");
            return null;
        }
        var value = config.String("value", required: true);
        config.RejectUnknownFields();
        return value is null ? null : new RouteValue(value);
    }

    private sealed class Provider(Func<IHttpStreamFilter> create) : IHttpFilterProvider
    {
        public IHttpStreamFilter CreateFilter() => create();
    }
}

/// <summary>A test filter's per-route setting.</summary>
internal sealed record RouteValue(string Value);

/// <summary>
/// A filter built from delegates: each callback runs the given function (or continues). Lets a test say
/// in a line what a filter does.
/// </summary>
internal sealed class LambdaFilter : IHttpDecoderFilter, IHttpEncoderFilter
{
    public IHttpFilterCallbacks Callbacks { get; private set; } = null!;

    public Func<LambdaFilter, IHttpRequestHeaders, bool, ValueTask<HttpFilterStatus>>? OnRequestHeaders { get; init; }

    public Func<LambdaFilter, HttpBody, bool, ValueTask<HttpFilterStatus>>? OnRequestData { get; init; }

    public Func<LambdaFilter, IHttpHeaderMap, ValueTask<HttpFilterStatus>>? OnRequestTrailers { get; init; }

    public Func<LambdaFilter, IHttpResponseHeaders, bool, ValueTask<HttpFilterStatus>>? OnResponseHeaders { get; init; }

    public Func<LambdaFilter, HttpBody, bool, ValueTask<HttpFilterStatus>>? OnResponseData { get; init; }

    public void Initialize(IHttpFilterCallbacks callbacks) => Callbacks = callbacks;

    public ValueTask<HttpFilterStatus> DecodeHeadersAsync(IHttpRequestHeaders headers, bool endOfStream) =>
        OnRequestHeaders?.Invoke(this, headers, endOfStream) ?? Continue;

    public ValueTask<HttpFilterStatus> DecodeDataAsync(HttpBody body, bool endOfStream) =>
        OnRequestData?.Invoke(this, body, endOfStream) ?? Continue;

    public ValueTask<HttpFilterStatus> DecodeTrailersAsync(IHttpHeaderMap trailers) =>
        OnRequestTrailers?.Invoke(this, trailers) ?? Continue;

    public ValueTask<HttpFilterStatus> EncodeHeadersAsync(IHttpResponseHeaders headers, bool endOfStream) =>
        OnResponseHeaders?.Invoke(this, headers, endOfStream) ?? Continue;

    public ValueTask<HttpFilterStatus> EncodeDataAsync(HttpBody body, bool endOfStream) =>
        OnResponseData?.Invoke(this, body, endOfStream) ?? Continue;

    public static ValueTask<HttpFilterStatus> Continue => ValueTask.FromResult(HttpFilterStatus.Continue);

    public static ValueTask<HttpFilterStatus> Stop => ValueTask.FromResult(HttpFilterStatus.StopIteration);

    public static ValueTask<HttpFilterStatus> Buffer => ValueTask.FromResult(HttpFilterStatus.StopAndBuffer);
}
