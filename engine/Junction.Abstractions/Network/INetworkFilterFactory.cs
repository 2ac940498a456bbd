using Junction.Configuration;

namespace Junction.Network;

/// <summary>
/// Turns a network filter's <c>typed_config</c> into a provider. Factories are registered explicitly, by
/// name, in the filter registry: a filter entry resolves by the <c>@type</c> URL of its typed config when
/// present, otherwise by its <c>name</c>.
/// </summary>
public interface INetworkFilterFactory
{
    /// <summary>The canonical name, e.g. <c>envoy.filters.network.tcp_proxy</c>.</summary>
    string Name { get; }

    /// <summary>Other names accepted in the <c>name</c> field, e.g. <c>tcp_proxy</c>.</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>The <c>@type</c> URLs this factory binds, e.g. <c>type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy</c>.</summary>
    IReadOnlyList<string> TypeUrls { get; }

    /// <summary>
    /// True when the filter ends the chain (it forwards or answers the connection itself). A terminal
    /// filter must be the last in its chain, and every chain must end in one.
    /// </summary>
    bool IsTerminal { get; }

    /// <summary>
    /// Binds and validates <paramref name="typedConfig"/> (null when the entry has none), reporting every
    /// problem through the nodes' <see cref="ConfigNode.Error"/> and calling
    /// <see cref="ConfigMap.RejectUnknownFields"/>. Returns null when the configuration is unusable.
    /// </summary>
    /// <param name="typedConfig">The entry's <c>typed_config</c> (its <c>@type</c> already read), or null.</param>
    /// <param name="entry">The filter's entry in <c>filters</c>, for errors about the entry as a whole.</param>
    /// <param name="context">Clusters, stats and access logs of the configuration being built.</param>
    INetworkFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IFilterFactoryContext context);
}
