using Http2Options = Junction.Http.ConnectionManager.Http2.Http2Options;
using Junction.Configuration;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Envoy's <c>envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager</c>, the
/// parts Junction supports. Fields Junction knows but does not implement yet are errors that name them.
/// </summary>
internal sealed record HttpConnectionManagerConfig(
    string StatPrefix,
    ConfigMap RouteConfig,
    string? ServerName,
    bool UseRemoteAddress,
    int XffNumTrustedHops,
    bool GenerateRequestId,
    int MaxRequestHeadersBytes,
    int MaxHeadersCount,
    bool NormalizePath,
    bool MergeSlashes,
    IReadOnlyList<string> UpgradeTypes,
    ConfigSequence? AccessLog,
    HttpConnectionManagerTimeoutsConfig Timeouts,
    IReadOnlyList<HttpFilterEntry> HttpFilters,
    HttpCodec Codec,
    Http2Options Http2)
{
    // Envoy's defaults: a stream idle for 5 minutes and a connection idle for an hour are ended.
    private static readonly TimeSpan DefaultStreamIdleTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    private static readonly string[] s_unsupported =
    {
        "rds", "scoped_routes", "tracing", "http3_protocol_options",
        "original_ip_detection_extensions", "internal_address_config", "skip_xff_append",
        "via", "forward_client_cert_details", "set_current_client_cert_details", "proxy_100_continue",
        "represent_ipv4_remote_address_as_ipv4_mapped_ipv6", "local_reply_config", "request_id_extension",
        "preserve_external_request_id", "always_set_request_id_in_response", "strip_matching_host_port",
        "strip_any_host_port", "path_with_escaped_slashes_action", "stream_error_on_invalid_http_message",
        "server_header_transformation", "scheme_header_transformation", "delayed_close_timeout",
        "drain_timeout", "max_request_headers_kb_per_connection", "http_protocol_options", "access_log_options",
        "add_user_agent", "user_agent", "early_header_mutation_extensions", "typed_header_validation_config",
        "strip_trailing_host_dot", "append_x_forwarded_port", "append_local_overload",
    };

    /// <summary>Binds a typed config; null when it is unusable (errors are on the nodes).</summary>
    public static HttpConnectionManagerConfig? Bind(ConfigMap? map, ConfigNode owner)
    {
        if (map is null)
        {
            owner.Error("envoy.filters.network.http_connection_manager needs a typed_config with stat_prefix, route_config and http_filters");
            return null;
        }
        var statPrefix = map.String("stat_prefix", required: true);
        var codec = HttpCodec.Auto;
        if (map.Node("codec_type") is ConfigScalar { Value: "HTTP3" } http3)
        {
            http3.Error("codec_type HTTP3 is not supported (supported: AUTO, HTTP1, HTTP2)");
        }
        else
        {
            codec = map.Choice("codec_type", HttpCodec.Auto, ("AUTO", HttpCodec.Auto), ("HTTP1", HttpCodec.Http1), ("HTTP2", HttpCodec.Http2));
        }
        var http2 = Http2Options.Bind(map.Map("http2_protocol_options"));
        var routeConfig = map.Map("route_config");
        if (routeConfig is null && !map.Has("rds")) map.Error("missing required field 'route_config'");

        var httpFilters = BindHttpFilters(map);
        var serverName = map.String("server_name") ?? "junction";
        if (serverName.Any(c => c is < ' ' or > '~'))
        {
            // Written into every response head: a control character there could split the response.
            map.Node("server_name")!.Error("server_name must be printable ASCII");
            serverName = "junction";
        }
        var useRemoteAddress = map.Bool("use_remote_address", false);
        var xffTrustedHops = map.Int32("xff_num_trusted_hops", 0, min: 0, max: 64);
        var generateRequestId = map.Bool("generate_request_id", true);
        var maxHeadersKb = map.Int32("max_request_headers_kb", 60, min: 1, max: 8192);
        var maxHeadersCount = 100;
        TimeSpan? idleTimeout = DefaultIdleTimeout;
        TimeSpan? maxConnectionDuration = null;
        if (map.Map("common_http_protocol_options") is { } common)
        {
            maxHeadersCount = common.Int32("max_headers_count", 100, min: 1, max: 10_000);
            idleTimeout = common.Duration("idle_timeout") ?? DefaultIdleTimeout;
            maxConnectionDuration = common.Duration("max_connection_duration");
            foreach (var field in new[] { "max_stream_duration", "headers_with_underscores_action", "max_requests_per_connection", "max_response_headers_kb" })
            {
                common.Unsupported(field);
            }
            common.RejectUnknownFields();
        }
        var normalizePath = map.Bool("normalize_path", false);
        var mergeSlashes = map.Bool("merge_slashes", false);
        var upgradeTypes = new List<string>();
        foreach (var upgrade in map.Maps("upgrade_configs"))
        {
            var type = upgrade.String("upgrade_type", required: true);
            var enabled = upgrade.Bool("enabled", true);
            upgrade.Unsupported("filters");
            upgrade.Unsupported("connect_config");
            upgrade.RejectUnknownFields();
            if (type is null || !enabled) continue;
            if (!string.Equals(type, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                upgrade.Node("upgrade_type")!.Error($"upgrade_type '{type}' is not supported (supported: websocket)");
                continue;
            }
            upgradeTypes.Add(type.ToLowerInvariant());
        }
        var accessLog = map.Sequence("access_log");
        // 0s disables each, as in Envoy (for max_connection_duration, which Envoy leaves unset to disable,
        // 0s means no limit too); request_timeout and request_headers_timeout are off unless set.
        var timeouts = new HttpConnectionManagerTimeoutsConfig(
            StreamIdle: Enabled(map.Duration("stream_idle_timeout") ?? DefaultStreamIdleTimeout),
            Request: Enabled(map.Duration("request_timeout")),
            RequestHeaders: Enabled(map.Duration("request_headers_timeout")),
            ConnectionIdle: Enabled(idleTimeout),
            MaxConnectionDuration: Enabled(maxConnectionDuration));
        foreach (var field in s_unsupported) map.Unsupported(field);
        map.RejectUnknownFields();

        if (statPrefix is null || routeConfig is null) return null;
        return new HttpConnectionManagerConfig(statPrefix, routeConfig, serverName, useRemoteAddress, xffTrustedHops, generateRequestId,
            maxHeadersKb * 1024, maxHeadersCount, normalizePath, mergeSlashes, upgradeTypes, accessLog, timeouts, httpFilters, codec, http2);
    }

    private static TimeSpan? Enabled(TimeSpan? timeout) => timeout is { } value && value > TimeSpan.Zero ? value : null;

    private const string RouterTypeUrl = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

    /// <summary>
    /// The HTTP filter chain: the entries before the router, which must come last (it is the connection
    /// manager's own forwarding stage). The filters' own configs are bound later, by their factories.
    /// </summary>
    private static List<HttpFilterEntry> BindHttpFilters(ConfigMap map)
    {
        var entries = new List<HttpFilterEntry>();
        var filters = map.Maps("http_filters", required: true);
        var sawRouter = false;
        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            var name = filter.String("name", required: true);
            var typed = filter.Map("typed_config");
            var type = typed?.String("@type");
            var isRouter = type == RouterTypeUrl || (type is null && name is "envoy.filters.http.router" or "router");
            if (isRouter)
            {
                sawRouter = true;
                if (i != filters.Count - 1) filter.Error("envoy.filters.http.router must be the last HTTP filter");
                if (typed is not null)
                {
                    foreach (var field in new[] { "dynamic_stats", "start_child_span", "upstream_log", "upstream_log_options", "suppress_envoy_headers", "strict_check_headers", "respect_expected_rq_timeout", "suppress_grpc_request_failure_code_stats", "upstream_http_filters" })
                    {
                        typed.Unsupported(field);
                    }
                    typed.RejectUnknownFields();
                }
            }
            else if (name is not null)
            {
                if (entries.Any(e => e.Name == name)) filter.Node("name")!.Error($"HTTP filter name '{name}' is used twice; per-route configuration finds filters by name");
                entries.Add(new HttpFilterEntry(name, type, typed, filter));
            }
            filter.Unsupported("config_discovery");
            if (filter.Bool("disabled", false)) filter.Node("disabled")!.Error("disabled filters (enabled per route) are not supported yet");
            filter.Bool("is_optional", false);
            filter.RejectUnknownFields();
        }
        if (!sawRouter && map.Node("http_filters") is { } node) node.Error("http_filters must end with envoy.filters.http.router");
        return entries;
    }
}

/// <summary>One entry of <c>http_filters</c> before the router, still unbound.</summary>
/// <param name="Name">The entry's <c>name</c>: how per-route configuration refers to it.</param>
/// <param name="TypeUrl">The typed config's <c>@type</c>, or null.</param>
/// <param name="TypedConfig">The typed config, or null.</param>
/// <param name="Node">The entry, for errors.</param>
internal sealed record HttpFilterEntry(string Name, string? TypeUrl, ConfigMap? TypedConfig, ConfigMap Node);

/// <summary>Which protocol the connection manager speaks to clients (<c>codec_type</c>).</summary>
internal enum HttpCodec : byte
{
    /// <summary>HTTP/2 when a connection starts with the HTTP/2 preface (prior knowledge, h2c), else HTTP/1.1.</summary>
    Auto,

    /// <summary>HTTP/1.1 (and 1.0) only.</summary>
    Http1,

    /// <summary>HTTP/2 only.</summary>
    Http2,
}
