using System.Net;
using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds <c>static_resources.listeners</c>.</summary>
internal static class ListenerBinder
{
    /// <summary>Envoy's default for <c>per_connection_buffer_limit_bytes</c> (1 MiB), on listeners and clusters alike.</summary>
    public const int DefaultBufferLimitBytes = 1024 * 1024;

    private static readonly string[] UnsupportedFields =
    [
        "listener_filters", "use_original_dst", "transport_socket", "default_filter_chain",
        "connection_balance_config", "enable_reuse_port", "socket_options", "listener_filters_timeout",
        "continue_on_listener_filters_timeout", "udp_listener_config", "access_log", "additional_addresses",
        "bind_to_port", "freebind", "transparent", "drain_type", "tcp_fast_open_queue_length",
    ];

    /// <summary>
    /// Binds every listener, checking that names and addresses are unique. <paramref name="names"/>
    /// receives every listener name written, including listeners left out of the result because of
    /// other errors, so that references to them do not produce a second, misleading error.
    /// </summary>
    public static IReadOnlyList<ListenerConfig> BindAll(ConfigMap staticResources, out IReadOnlySet<string> names)
    {
        var result = new List<ListenerConfig>();
        var byName = new Dictionary<string, ConfigMap>(StringComparer.Ordinal);
        var byAddress = new Dictionary<(IPAddress, int), string>();
        foreach (var map in staticResources.Maps("listeners"))
        {
            var listener = Bind(map);
            // Re-read the raw node rather than calling String() again, which would repeat its errors.
            var name = listener?.Name ?? (map.Node("name") is ConfigScalar { IsNull: false } scalar ? scalar.Value : null);
            if (name is not null)
            {
                if (byName.TryGetValue(name, out var first))
                {
                    map.Node("name")!.Error($"duplicate listener name '{name}' (first defined at line {first.Mark.Line})");
                    continue;
                }
                byName.Add(name, map);
            }
            if (listener is null) continue;

            // Port 0 asks the kernel for a fresh port, so any number of listeners may use it.
            var address = listener.Address;
            if (address.Port != 0)
            {
                var key = (IPAddress.Parse(address.Address), address.Port);
                if (byAddress.TryGetValue(key, out var owner))
                {
                    address.Node.Error($"listener '{listener.Name}' uses {address.Address}:{address.Port}, which listener '{owner}' already uses");
                    continue;
                }
                byAddress.Add(key, listener.Name);
            }
            result.Add(listener);
        }
        names = byName.Keys.ToHashSet(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Envoy's default <c>tcp_backlog_size</c>.</summary>
    public const int DefaultBacklog = 1024;

    private static ListenerConfig? Bind(ConfigMap map)
    {
        var name = map.String("name", required: true);
        var address = SocketAddressBinder.Bind(map, "address", requireIp: true);
        var statPrefix = map.String("stat_prefix");
        var filterChains = BindFilterChains(map);
        var bufferLimit = map.Int32("per_connection_buffer_limit_bytes", DefaultBufferLimitBytes, min: 1);
        // The kernel caps the accept queue at net.core.somaxconn whatever is asked for.
        var backlog = map.Int32("tcp_backlog_size", DefaultBacklog, min: 1);
        // Envoy uses traffic_direction only to label tracing spans and stats; it changes no behaviour.
        map.Choice("traffic_direction", 0, ("UNSPECIFIED", 0), ("INBOUND", 1), ("OUTBOUND", 2));
        foreach (var field in UnsupportedFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (name is null || address is null) return null;
        return new ListenerConfig(name, address, statPrefix, filterChains, bufferLimit, backlog, map);
    }

    private static List<FilterChainConfig> BindFilterChains(ConfigMap listener)
    {
        var result = new List<FilterChainConfig>();
        var chains = listener.Sequence("filter_chains", required: true);
        if (chains is null) return result;
        if (chains.Count == 0) chains.Error("at least one filter chain is required");

        var maps = chains.Maps();
        for (var i = 0; i < maps.Count; i++)
        {
            // Without filter_chain_match there is no way to choose between chains, so a second one
            // would be dead configuration.
            if (i > 0) maps[i].Error("multiple filter chains need filter_chain_match, which is not supported yet");
            if (FilterChainBinder.Bind(maps[i]) is { } chain) result.Add(chain);
        }
        return result;
    }
}
