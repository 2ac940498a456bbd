using Junction.Configuration;
namespace Junction.HttpFilters;

/// <summary>
/// Turns an entry of a connection manager's <c>http_filters</c> into a provider. Registered explicitly
/// with the host, by name, aliases and <c>@type</c> URLs, like network filter factories; an entry
/// resolves by the <c>@type</c> of its typed config when present, otherwise by its <c>name</c>.
/// </summary>
public interface IHttpFilterFactory
{
    /// <summary>The canonical name, e.g. <c>envoy.filters.http.buffer</c>.</summary>
    string Name { get; }

    /// <summary>Other names accepted in the <c>name</c> field.</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>The <c>@type</c> URLs this factory binds.</summary>
    IReadOnlyList<string> TypeUrls { get; }

    /// <summary>
    /// Binds and validates the filter's <paramref name="typedConfig"/> (null when the entry has none),
    /// reporting every problem on the nodes and calling <see cref="ConfigMap.RejectUnknownFields"/>.
    /// Returns null when the configuration is unusable.
    /// </summary>
    /// <param name="typedConfig">The entry's <c>typed_config</c>, or null.</param>
    /// <param name="entry">The entry in <c>http_filters</c>.</param>
    /// <param name="context">Clusters, stats (the root scope and the connection manager's) and the listener's limits.</param>
    IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context);

    /// <summary>
    /// Binds a <c>typed_per_filter_config</c> entry (of a route or virtual host) that names this filter.
    /// The result is what <see cref="IHttpFilterCallbacks.RouteConfig{T}"/> returns on that route. The
    /// default refuses: a filter without per-route settings reports an error on the entry. Called after
    /// <see cref="Create"/> for the same connection manager, with the same <paramref name="context"/> (a
    /// per-route setting that counts or limits something resolves its stats here, never on the data path).
    /// </summary>
    /// <param name="config">The entry, its <c>@type</c> already read.</param>
    /// <param name="context">The connection manager's context, as given to <see cref="Create"/>.</param>
    object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context)
    {
        config.Error($"{Name} has no per-route configuration");
        return null;
    }
}

/// <summary>
/// A filter's compiled configuration, built once per configuration load, asked for a fresh filter for
/// every stream. Everything that depends only on configuration (settings, stats) lives here.
/// </summary>
public interface IHttpFilterProvider
{
    /// <summary>A filter for a new stream: an <see cref="IHttpDecoderFilter"/>, an <see cref="IHttpEncoderFilter"/>, or both.</summary>
    IHttpStreamFilter CreateFilter();
}
