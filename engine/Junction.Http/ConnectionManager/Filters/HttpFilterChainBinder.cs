using Junction.Configuration;
using Junction.Http.Filters;
using Junction.Http.Routing;
using Junction.HttpFilters;
using Junction.Network;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>
/// Builds a connection manager's HTTP filters from its <c>http_filters</c> entries, then binds every
/// <c>typed_per_filter_config</c> of its routes with the filter it names, so that a bad per-route setting
/// is a load error on its own line and requests only look the result up.
/// </summary>
internal static class HttpFilterChainBinder
{
    /// <summary>The chain, or null after errors (reported on the nodes).</summary>
    public static HttpFilterChainConfig? Bind(IReadOnlyList<HttpFilterEntry> entries, HttpFilterRegistry registry, IHttpFilterFactoryContext context)
    {
        var filters = new List<ConfiguredHttpFilter>();
        var ok = true;
        foreach (var entry in entries)
        {
            var factory = registry.Resolve(entry.Name, entry.TypeUrl);
            if (factory is null)
            {
                var node = entry.TypedConfig?.Node("@type") ?? entry.Node.Node("name") ?? entry.Node;
                var known = string.Join(", ", registry.Names.Append("envoy.filters.http.router"));
                node.Error(entry.TypeUrl is not null
                    ? $"unknown HTTP filter type '{entry.TypeUrl}' (known filters: {known})"
                    : $"unknown HTTP filter '{entry.Name}' (known: {known})");
                ok = false;
                continue;
            }
            if (factory.Create(entry.TypedConfig, entry.Node, context) is { } provider) filters.Add(new ConfiguredHttpFilter(entry.Name, factory, provider));
            else ok = false;
        }
        return ok ? new HttpFilterChainConfig(filters, context.BufferLimitBytes) : null;
    }

    /// <summary>
    /// Binds the per-filter configuration of every route (its own entry, else its virtual host's).
    /// False after errors: an entry naming no filter of this chain, or one its filter rejects.
    /// </summary>
    public static bool BindRouteConfigs(RouteTable table, HttpFilterChainConfig chain, IHttpFilterFactoryContext context)
    {
        var ok = true;
        // Virtual host entries are shared by their routes: bind each once.
        var bound = new Dictionary<ConfigMap, object?>(ReferenceEqualityComparer.Instance);
        foreach (var host in table.VirtualHosts)
        {
            var hostConfigs = BindEntries(host.OwnPerFilterConfig, chain, context, bound, ref ok);
            foreach (var route in host.Routes)
            {
                var routeConfigs = BindEntries(route.OwnPerFilterConfig, chain, context, bound, ref ok);
                if (hostConfigs is null && routeConfigs is null) continue;
                var merged = new object?[chain.Filters.Count];
                for (var i = 0; i < merged.Length; i++) merged[i] = routeConfigs?[i] ?? hostConfigs?[i];
                route.FilterConfigs = merged;
            }
        }
        return ok;
    }

    private static object?[]? BindEntries(IEnumerable<KeyValuePair<string, ConfigMap>> entries, HttpFilterChainConfig chain, IHttpFilterFactoryContext context, Dictionary<ConfigMap, object?> bound, ref bool ok)
    {
        object?[]? configs = null;
        foreach (var (name, config) in entries)
        {
            var index = chain.IndexOf(name);
            if (index < 0)
            {
                config.Error($"typed_per_filter_config names '{name}', which is not an HTTP filter of this connection manager (its filters: {string.Join(", ", chain.Filters.Select(f => f.Name).DefaultIfEmpty("none but the router"))})");
                ok = false;
                continue;
            }
            if (!bound.TryGetValue(config, out var value))
            {
                // Envoy's entries are Any messages: their @type names the per-route message; the filter binds the rest.
                config.String("@type");
                var errors = config.Diagnostics.Errors.Count;
                value = chain.Filters[index].Factory.BindRouteConfig(config, context);
                if (config.Diagnostics.Errors.Count > errors || value is null) ok = false;
                bound[config] = value;
            }
            configs ??= new object?[chain.Filters.Count];
            configs[index] = value;
        }
        return configs;
    }
}
