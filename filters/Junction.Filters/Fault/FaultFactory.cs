using Junction.Configuration;
using Junction.HttpFilters;

namespace Junction.Filters.Fault;

/// <summary>
/// Registers <c>envoy.filters.http.fault</c>: delays requests and answers them with an error status, for a
/// configured share of requests or as the request's headers ask, to test how callers cope with a slow or
/// failing service. Put it first in <c>http_filters</c>.
/// </summary>
public sealed class FaultFactory : IHttpFilterFactory
{
    private readonly Random _random;

    /// <summary>A factory drawing from <see cref="Random.Shared"/>.</summary>
    public FaultFactory()
        : this(Random.Shared)
    {
    }

    /// <summary>A factory drawing from <paramref name="random"/> (tests pass a seeded one).</summary>
    internal FaultFactory(Random random) => _random = random;

    /// <inheritdoc />
    public string Name => "envoy.filters.http.fault";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["fault"];

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = ["type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"];

    /// <inheritdoc />
    public IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context)
    {
        if (typedConfig is null)
        {
            entry.Error("envoy.filters.http.fault needs a typed_config (HTTPFault with delay and/or abort)");
            return null;
        }
        var settings = FaultSettings.Bind(typedConfig);
        return settings is null ? null : new FaultProvider(settings, new FaultStats(context.ConnectionManagerStats.Scope("fault")), _random);
    }

    /// <inheritdoc />
    public object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context) => FaultSettings.Bind(config);
}
