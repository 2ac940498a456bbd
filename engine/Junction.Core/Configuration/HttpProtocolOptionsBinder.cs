using Junction.Configuration;
using Junction.Upstream;

namespace Junction.Core.Configuration;

/// <summary>
/// Binds a cluster's HTTP connection reuse options from Envoy's
/// <c>typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]</c>
/// (or the deprecated cluster-level <c>common_http_protocol_options</c>): <c>idle_timeout</c> and
/// <c>max_requests_per_connection</c>. Anything else in those messages is an error that names it.
/// </summary>
internal static class HttpProtocolOptionsBinder
{
    private const string ExtensionName = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    private const string TypeUrl = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    public static UpstreamHttpOptions Bind(ConfigMap cluster)
    {
        var options = UpstreamHttpOptions.Default;
        if (cluster.Map("typed_extension_protocol_options") is { } extensions)
        {
            foreach (var (key, value) in extensions.Entries)
            {
                extensions.MarkRead(key.Value);
                if (value is not ConfigMap typed)
                {
                    value.Error($"expected a mapping, found {value.KindName}");
                    continue;
                }
                var type = typed.String("@type");
                if (key.Value != ExtensionName || (type is not null && type != TypeUrl))
                {
                    (typed.Node("@type") ?? key).Error($"protocol options '{type ?? key.Value}' are not supported (supported: {ExtensionName})");
                    continue;
                }
                options = BindCommon(typed.Map("common_http_protocol_options"), options);
                if (typed.Map("explicit_http_config") is { } explicitConfig)
                {
                    // Exactly one protocol: an empty http_protocol_options means HTTP/1.1 (the default).
                    var http1 = explicitConfig.Map("http_protocol_options");
                    http1?.RejectUnknownFields();
                    if (explicitConfig.Map("http2_protocol_options") is { } http2)
                    {
                        if (http1 is not null) explicitConfig.Error("explicit_http_config takes one of http_protocol_options and http2_protocol_options");
                        options = options with { Http2 = BindHttp2(http2) };
                    }
                    explicitConfig.Unsupported("http3_protocol_options");
                    explicitConfig.RejectUnknownFields();
                }
                typed.Unsupported("use_downstream_protocol_config");
                typed.Unsupported("auto_config");
                typed.Unsupported("upstream_http_protocol_options");
                typed.Unsupported("http_filters");
                typed.RejectUnknownFields();
            }
        }
        // The deprecated v3 cluster fields, still common in examples.
        if (cluster.Map("common_http_protocol_options") is { } legacy) options = BindCommon(legacy, options);
        if (cluster.Map("http2_protocol_options") is { } legacyHttp2) options = options with { Http2 = BindHttp2(legacyHttp2) };
        return options;
    }

    private static UpstreamHttp2Options BindHttp2(ConfigMap map)
    {
        var defaults = UpstreamHttp2Options.Default;
        var options = new UpstreamHttp2Options(
            map.Int32("max_concurrent_streams", defaults.MaxConcurrentStreams, min: 1),
            map.Int32("initial_stream_window_size", defaults.InitialStreamWindowSize, min: 65535),
            map.Int32("initial_connection_window_size", defaults.InitialConnectionWindowSize, min: 65535));
        foreach (var field in new[] { "hpack_table_size", "allow_connect", "allow_metadata", "max_outbound_frames", "max_outbound_control_frames",
            "max_consecutive_inbound_frames_with_empty_payload", "max_inbound_priority_frames_per_stream",
            "max_inbound_window_update_frames_per_data_frame_sent", "stream_error_on_invalid_http_messaging",
            "override_stream_error_on_invalid_http_message", "connection_keepalive", "custom_settings_parameters", "use_oghttp2_codec" })
        {
            map.Unsupported(field);
        }
        map.RejectUnknownFields();
        return options;
    }

    private static UpstreamHttpOptions BindCommon(ConfigMap? common, UpstreamHttpOptions current)
    {
        if (common is null) return current;
        var idle = common.Duration("idle_timeout");
        var maxRequests = common.Int32("max_requests_per_connection", 0, min: 0);
        foreach (var field in new[] { "max_connection_duration", "max_headers_count", "max_stream_duration", "headers_with_underscores_action", "max_response_headers_kb" })
        {
            common.Unsupported(field);
        }
        common.RejectUnknownFields();
        return current with
        {
            // Envoy: 0s disables the idle timeout; 0 requests means no limit.
            IdleTimeout = common.Has("idle_timeout") ? (idle == TimeSpan.Zero ? null : idle) : current.IdleTimeout,
            MaxRequestsPerConnection = maxRequests == 0 ? current.MaxRequestsPerConnection : maxRequests,
        };
    }
}
