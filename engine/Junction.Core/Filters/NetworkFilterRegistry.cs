using Junction.Network;

namespace Junction.Core.Filters;

/// <summary>
/// The network filter factories this process knows, registered explicitly by the host (no assembly
/// scanning). A filter entry resolves by its typed config's <c>@type</c> URL when it has one (as Envoy
/// does), otherwise by its <c>name</c>, canonical or alias.
/// </summary>
internal sealed class NetworkFilterRegistry
{
    private readonly Dictionary<string, INetworkFilterFactory> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, INetworkFilterFactory> _byTypeUrl = new(StringComparer.Ordinal);

    public NetworkFilterRegistry Add(INetworkFilterFactory factory)
    {
        AddUnique(_byName, factory.Name, factory);
        foreach (var alias in factory.Aliases) AddUnique(_byName, alias, factory);
        foreach (var typeUrl in factory.TypeUrls) AddUnique(_byTypeUrl, typeUrl, factory);
        return this;
    }

    public NetworkFilterRegistry AddRange(IEnumerable<INetworkFilterFactory> factories)
    {
        foreach (var factory in factories) Add(factory);
        return this;
    }

    /// <summary>The factory for a filter entry, or null when neither its type URL nor its name is known.</summary>
    public INetworkFilterFactory? Resolve(string name, string? typeUrl)
    {
        if (typeUrl is not null) return _byTypeUrl.GetValueOrDefault(typeUrl);
        return _byName.GetValueOrDefault(name);
    }

    /// <summary>Every canonical name, for error messages.</summary>
    public IEnumerable<string> Names => _byName.Values.Select(f => f.Name).Distinct().Order(StringComparer.Ordinal);

    private static void AddUnique(Dictionary<string, INetworkFilterFactory> map, string key, INetworkFilterFactory factory)
    {
        if (!map.TryAdd(key, factory))
        {
            throw new InvalidOperationException($"network filter '{key}' is registered twice");
        }
    }
}
