using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds one <c>filter_chains[]</c> entry and its network filters.</summary>
internal static class FilterChainBinder
{
    /// <summary>Binds <paramref name="chain"/>; returns null when it has no usable filter list.</summary>
    public static FilterChainConfig? Bind(ConfigMap chain)
    {
        var name = chain.String("name");
        var filtersNode = chain.Sequence("filters", required: true);
        if (filtersNode is { Count: 0 }) filtersNode.Error("at least one filter is required");

        var filters = new List<NetworkFilterConfig>();
        if (filtersNode is not null)
        {
            foreach (var map in filtersNode.Maps())
            {
                if (BindFilter(map) is { } filter) filters.Add(filter);
            }
        }

        chain.Unsupported("filter_chain_match");
        chain.Unsupported("transport_socket", "TLS is not supported yet");
        chain.Unsupported("transport_socket_connect_timeout");
        chain.RejectUnknownFields();
        return filtersNode is null ? null : new FilterChainConfig(name, filters, chain);
    }

    private static NetworkFilterConfig? BindFilter(ConfigMap map)
    {
        var name = map.String("name", required: true);
        string? typeUrl = null;
        var typedConfig = map.Map("typed_config");
        if (typedConfig is not null)
        {
            // typed_config is a protobuf Any: "@type" says which message the rest is. The other fields
            // belong to the filter, whose factory binds them and rejects the unknown ones, so only
            // "@type" is marked here.
            typeUrl = typedConfig.String("@type", required: true);
            typedConfig.MarkRead("@type");
        }
        map.Unsupported("config_discovery");
        map.Unsupported("config", "use typed_config");
        map.RejectUnknownFields();
        return name is null ? null : new NetworkFilterConfig(name, typeUrl, typedConfig, map);
    }
}
