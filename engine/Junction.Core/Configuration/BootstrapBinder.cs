using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>
/// Binds a loaded Envoy v3 bootstrap document into <see cref="BootstrapConfig"/>. Every problem is
/// recorded in the root's <see cref="ConfigNode.Diagnostics"/>; binding carries on past errors so one
/// run reports all of them, and callers must check <see cref="ConfigDiagnostics.HasErrors"/> before
/// using the result.
/// </summary>
internal static class BootstrapBinder
{
    // Bootstrap fields Envoy has and Junction does not implement: naming them gives a clearer error
    // than "unknown field", which would suggest a typo.
    private static readonly string[] UnsupportedFields =
    [
        "dynamic_resources", "stats_sinks", "stats_config", "stats_flush_interval", "stats_flush_on_admin",
        "tracing", "overload_manager", "cluster_manager", "watchdog", "watchdogs", "hds_config",
        "bootstrap_extensions", "fatal_actions", "typed_dns_resolver_config", "default_regex_engine",
        "header_prefix", "enable_dispatcher_stats", "flags_path", "certificate_provider_instances",
    ];

    /// <summary>
    /// Binds <paramref name="root"/>. The result is best effort: parts that could not be bound are left
    /// out (a listener without a usable address, for instance), and the reasons are in the diagnostics.
    /// </summary>
    public static BootstrapConfig Bind(ConfigMap root)
    {
        var nodeId = BindNode(root.Map("node"));
        var admin = root.Map("admin") is { } adminMap ? BindAdmin(adminMap) : null;

        IReadOnlyList<ListenerConfig> listeners = [];
        IReadOnlyList<ClusterConfig> clusters = [];
        IReadOnlySet<string> listenerNames = new HashSet<string>();
        if (root.Map("static_resources") is { } staticResources)
        {
            listeners = ListenerBinder.BindAll(staticResources, out listenerNames);
            clusters = ClusterBinder.BindAll(staticResources);
            staticResources.Unsupported("secrets", "TLS is not supported yet");
            staticResources.RejectUnknownFields();
        }

        var runtime = RuntimeBinder.Bind(root.Map("layered_runtime"));
        // Runtime keys name listeners, so they are checked once all listener names are known.
        RuntimeBinder.Validate(runtime, listenerNames);

        foreach (var field in UnsupportedFields) root.Unsupported(field);
        root.RejectUnknownFields();
        return new BootstrapConfig(nodeId, admin, listeners, clusters, runtime, root);
    }

    private static string? BindNode(ConfigMap? node)
    {
        if (node is null) return null;
        var id = node.String("id");
        node.String("cluster");
        // metadata and locality are free-form descriptions of this proxy; nothing in Junction reads them.
        node.Map("metadata");
        node.Map("locality");
        node.RejectUnknownFields();
        return id;
    }

    private static AdminConfig? BindAdmin(ConfigMap admin)
    {
        var address = SocketAddressBinder.Bind(admin, "address", requireIp: true);
        admin.Unsupported("access_log");
        admin.Unsupported("access_log_path");
        admin.Unsupported("profile_path");
        admin.Unsupported("socket_options");
        admin.RejectUnknownFields();
        return address is null ? null : new AdminConfig(address, admin);
    }
}
