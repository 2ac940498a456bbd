using Junction.Configuration;

namespace Junction.Http.Routing;

/// <summary>A compiled virtual host: its domains, routes (tried in order) and per-filter configuration.</summary>
internal sealed class VirtualHost
{
    private readonly IReadOnlyDictionary<string, ConfigMap> _perFilterConfig;
    private RouteEntry[] _routes = [];

    /// <summary>Creates a virtual host; its routes are added by <see cref="SetRoutes"/> once built (they refer back to it).</summary>
    public VirtualHost(string name, IReadOnlyList<string> domains, IReadOnlyDictionary<string, ConfigMap> perFilterConfig)
    {
        Name = name;
        Domains = domains;
        _perFilterConfig = perFilterConfig;
    }

    /// <summary>The virtual host's <c>name</c>.</summary>
    public string Name { get; }

    /// <summary>The domains as configured, lower-cased.</summary>
    public IReadOnlyList<string> Domains { get; }

    /// <summary>The virtual host's <c>retry_policy</c>, used by its routes that have none; null when not configured.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>The routes in configuration order; the first that matches wins.</summary>
    public IReadOnlyList<RouteEntry> Routes => _routes;

    /// <summary>The virtual host's own <c>typed_per_filter_config</c> entries.</summary>
    public IEnumerable<KeyValuePair<string, ConfigMap>> OwnPerFilterConfig => _perFilterConfig;

    /// <summary>The raw <c>typed_per_filter_config</c> entry for <paramref name="filterName"/>, or null.</summary>
    public ConfigMap? PerFilterConfig(string filterName) =>
        _perFilterConfig.TryGetValue(filterName, out var config) ? config : null;

    /// <summary>Sets the routes; called once by the binder.</summary>
    internal void SetRoutes(RouteEntry[] routes) => _routes = routes;

    /// <summary>The first route that matches the request, or null.</summary>
    public RouteEntry? Match<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
    {
        foreach (var route in _routes)
        {
            if (route.Matches(ref request)) return route;
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
