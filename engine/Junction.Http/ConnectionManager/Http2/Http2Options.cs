using Junction.Configuration;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// Envoy's <c>http2_protocol_options</c> for downstream HTTP/2, the parts Junction supports.
/// </summary>
/// <remarks>
/// Windows default smaller than Envoy's 256 MiB: the proxy grants a client more only after the bytes
/// went upstream, so the initial windows are what one stream (and one connection) can make it hold.
/// The outbound frame limits are accepted and always met: the connection stops reading while its
/// writes wait for the client, so frames never queue beyond one write.
/// </remarks>
internal sealed record Http2Options(
    int MaxConcurrentStreams,
    int InitialStreamWindowSize,
    int InitialConnectionWindowSize,
    int HpackTableSize,
    int MaxConsecutiveEmptyFrames,
    int MaxPriorityFramesPerStream)
{
    public static readonly Http2Options Default = new(
        MaxConcurrentStreams: 1024,
        InitialStreamWindowSize: 1024 * 1024,
        InitialConnectionWindowSize: 4 * 1024 * 1024,
        HpackTableSize: 4096,
        MaxConsecutiveEmptyFrames: 1,
        MaxPriorityFramesPerStream: 100);

    private static readonly string[] s_unsupported =
    [
        "allow_connect", "allow_metadata", "override_stream_error_on_invalid_http_message",
        "stream_error_on_invalid_http_messaging", "connection_keepalive", "custom_settings_parameters",
        "use_oghttp2_codec", "max_metadata_size", "initial_stream_window_size_bytes",
    ];

    public static Http2Options Bind(ConfigMap? map)
    {
        if (map is null) return Default;
        var result = new Http2Options(
            map.Int32("max_concurrent_streams", Default.MaxConcurrentStreams, min: 1, max: int.MaxValue),
            map.Int32("initial_stream_window_size", Default.InitialStreamWindowSize, min: 65535, max: int.MaxValue),
            map.Int32("initial_connection_window_size", Default.InitialConnectionWindowSize, min: 65535, max: int.MaxValue),
            map.Int32("hpack_table_size", Default.HpackTableSize, min: 0, max: 1 << 20),
            map.Int32("max_consecutive_inbound_frames_with_empty_payload", Default.MaxConsecutiveEmptyFrames, min: 0),
            map.Int32("max_inbound_priority_frames_per_stream", Default.MaxPriorityFramesPerStream, min: 0));
        // Met by design (see remarks); read so that they are accepted.
        map.Int32("max_outbound_frames", 10000, min: 1);
        map.Int32("max_outbound_control_frames", 1000, min: 1);
        map.Int32("max_inbound_window_update_frames_per_data_frame_sent", 10, min: 1);
        foreach (var field in s_unsupported) map.Unsupported(field);
        map.RejectUnknownFields();
        return result;
    }
}
