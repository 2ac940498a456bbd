using Junction.HttpFilters;

namespace Junction.Http.Filters;

/// <summary>
/// The HTTP filter factories a connection manager can use, registered explicitly by the host (no
/// assembly scanning). An <c>http_filters</c> entry resolves by its typed config's <c>@type</c> URL when
/// it has one, otherwise by its <c>name</c>. The router is not registered here: it is the connection
/// manager's own last stage.
/// </summary>
public sealed class HttpFilterRegistry
{
    private readonly Dictionary<string, IHttpFilterFactory> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IHttpFilterFactory> _byTypeUrl = new(StringComparer.Ordinal);

    /// <summary>Registers a factory under its name, aliases and type URLs; a name taken twice throws.</summary>
    public HttpFilterRegistry Add(IHttpFilterFactory factory)
    {
        AddUnique(_byName, factory.Name, factory);
        foreach (var alias in factory.Aliases) AddUnique(_byName, alias, factory);
        foreach (var typeUrl in factory.TypeUrls) AddUnique(_byTypeUrl, typeUrl, factory);
        return this;
    }

    /// <summary>Registers several factories.</summary>
    public HttpFilterRegistry AddRange(IEnumerable<IHttpFilterFactory> factories)
    {
        foreach (var factory in factories) Add(factory);
        return this;
    }

    /// <summary>The factory for an entry, or null when neither its type URL nor its name is known.</summary>
    public IHttpFilterFactory? Resolve(string? name, string? typeUrl)
    {
        if (typeUrl is not null) return _byTypeUrl.GetValueOrDefault(typeUrl);
        return name is null ? null : _byName.GetValueOrDefault(name);
    }

    /// <summary>Every canonical name, for error messages.</summary>
    public IEnumerable<string> Names => _byName.Values.Select(f => f.Name).Distinct().Order(StringComparer.Ordinal);

    private static void AddUnique(Dictionary<string, IHttpFilterFactory> map, string key, IHttpFilterFactory factory)
    {
        if (!map.TryAdd(key, factory)) throw new InvalidOperationException($"HTTP filter '{key}' is registered twice");
    }
}
