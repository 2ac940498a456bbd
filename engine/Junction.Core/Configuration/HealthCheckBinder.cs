using System.Globalization;
using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>health_checks</c> (Envoy's <c>config.core.v3.HealthCheck</c>).</summary>
internal static class HealthCheckBinder
{
    private static readonly string[] UnsupportedFields =
    [
        "initial_jitter", "reuse_connection", "grpc_health_check", "custom_health_check", "event_log_path", "event_logger",
        "always_log_health_check_failures", "always_log_health_check_success", "tls_options",
        "transport_socket_match_criteria", "name",
    ];

    private static readonly string[] UnsupportedHttpFields =
    [
        "send", "receive", "response_buffer_size", "request_headers_to_remove", "codec_client_type",
        "service_name_matcher", "method",
    ];

    /// <summary>Envoy's default: only 200 is healthy.</summary>
    private static readonly StatusRange[] DefaultExpected = [new(200, 201)];

    /// <summary>The cluster's health check; null when it has none. Only one entry is supported.</summary>
    public static HealthCheckConfig? Bind(ConfigMap cluster)
    {
        var entries = cluster.Maps("health_checks");
        for (var i = 1; i < entries.Count; i++)
        {
            entries[i].Error("only one health check per cluster is supported");
        }
        return entries.Count == 0 ? null : BindOne(entries[0]);
    }

    private static HealthCheckConfig? BindOne(ConfigMap map)
    {
        var timeout = Positive(map, "timeout", required: true);
        var interval = Positive(map, "interval", required: true);
        var jitter = map.Duration("interval_jitter") ?? TimeSpan.Zero;
        if (jitter < TimeSpan.Zero)
        {
            map.Node("interval_jitter")!.Error("interval_jitter must not be negative");
            jitter = TimeSpan.Zero;
        }
        var jitterPercent = map.Int32("interval_jitter_percent", 0, min: 0, max: 100);
        if (jitterPercent > 0) jitter += interval * (jitterPercent / 100.0);

        var intervals = BindIntervals(map, interval);

        var unhealthy = Threshold(map, "unhealthy_threshold");
        var healthy = Threshold(map, "healthy_threshold");
        var http = map.Map("http_health_check") is { } httpMap ? BindHttp(httpMap) : null;
        var tcp = map.Map("tcp_health_check") is { } tcpMap ? BindTcp(tcpMap) : null;
        foreach (var field in UnsupportedFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (map.Has("http_health_check") && map.Has("tcp_health_check"))
        {
            map.Error("a health check has exactly one of http_health_check and tcp_health_check, not both");
        }
        else if (!map.Has("http_health_check") && !map.Has("tcp_health_check"))
        {
            map.Error("a health check needs http_health_check or tcp_health_check");
        }
        return new HealthCheckConfig(timeout, interval, jitter, unhealthy, healthy, http, tcp, map) { Intervals = intervals };
    }

    /// <summary>The optional intervals, each defaulting as in Envoy (see <see cref="HealthCheckIntervals"/>).</summary>
    private static HealthCheckIntervals BindIntervals(ConfigMap map, TimeSpan interval)
    {
        var noTraffic = Optional(map, "no_traffic_interval") ?? HealthCheckIntervals.DefaultNoTraffic;
        var noTrafficHealthy = Optional(map, "no_traffic_healthy_interval") ?? noTraffic;
        var unhealthy = Optional(map, "unhealthy_interval") ?? interval;
        var unhealthyEdge = Optional(map, "unhealthy_edge_interval") ?? unhealthy;
        var healthyEdge = Optional(map, "healthy_edge_interval") ?? interval;
        return new HealthCheckIntervals(interval, noTraffic, noTrafficHealthy, unhealthy, unhealthyEdge, healthyEdge);

        static TimeSpan? Optional(ConfigMap map, string key) => map.Has(key) ? Positive(map, key, required: false) : null;
    }

    private static HttpHealthCheckConfig BindHttp(ConfigMap map)
    {
        var path = map.String("path", required: true) ?? "/";
        if (path.Length == 0 || path[0] != '/' || !IsFieldValue(path) || path.Any(c => c is ' ' or > (char)0x7e))
        {
            map.Node("path")!.Error("path must start with '/' and contain no spaces or control characters");
        }
        var host = map.String("host");
        if (host is not null && (host.Length == 0 || !IsFieldValue(host)))
        {
            map.Node("host")!.Error("host must be a non-empty header value");
            host = null;
        }
        var expected = Ranges(map, "expected_statuses");
        var retriable = Ranges(map, "retriable_statuses");

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var option in map.Maps("request_headers_to_add"))
        {
            if (option.Map("header", required: true) is { } header)
            {
                var key = header.String("key", required: true);
                var value = header.String("value") ?? "";
                header.RejectUnknownFields();
                if (key is not null && !IsToken(key))
                {
                    header.Node("key")!.Error($"'{key}' is not a valid header name");
                }
                else if (key is not null && (key.Equals("host", StringComparison.OrdinalIgnoreCase) || key.StartsWith(':')))
                {
                    header.Node("key")!.Error("set the Host header with http_health_check.host");
                }
                else if (!IsFieldValue(value))
                {
                    header.Node("value")!.Error("a header value must not contain control characters");
                }
                else if (key is not null)
                {
                    headers.Add(new(key, value));
                }
            }
            option.Unsupported("append", "health check headers are always added");
            option.Unsupported("append_action", "health check headers are always added");
            option.RejectUnknownFields();
        }
        foreach (var field in UnsupportedHttpFields) map.Unsupported(field);
        map.RejectUnknownFields();
        return new HttpHealthCheckConfig(path, host, expected.Count == 0 ? DefaultExpected : expected, retriable, headers);
    }

    private static TcpHealthCheckConfig BindTcp(ConfigMap map)
    {
        var send = map.Map("send") is { } sendMap ? Payload(sendMap) : [];
        var receive = new List<byte[]>();
        foreach (var block in map.Maps("receive"))
        {
            var bytes = Payload(block);
            if (bytes.Length == 0) block.Error("a receive block must not be empty");
            else receive.Add(bytes);
        }
        map.Unsupported("proxy_protocol_config");
        map.RejectUnknownFields();
        return new TcpHealthCheckConfig(send, receive);
    }

    /// <summary>A <c>Payload</c>: <c>text</c> is hex, as in Envoy.</summary>
    private static byte[] Payload(ConfigMap map)
    {
        var text = map.String("text", required: true);
        map.Unsupported("binary", "use text (hex)");
        map.RejectUnknownFields();
        if (text is null) return [];
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            map.Node("text")!.Error("text must be an even number of hex digits");
            return [];
        }
    }

    private static List<StatusRange> Ranges(ConfigMap map, string key)
    {
        var ranges = new List<StatusRange>();
        foreach (var range in map.Maps(key))
        {
            var start = range.Int32("start", 0, min: 100, max: 599);
            var end = range.Int32("end", 0, min: 101, max: 600);
            range.RejectUnknownFields();
            if (!range.Has("start") || !range.Has("end"))
            {
                range.Error("a status range needs start (inclusive) and end (exclusive)");
            }
            else if (start >= end)
            {
                range.Error($"start ({start.ToString(CultureInfo.InvariantCulture)}) must be less than end ({end.ToString(CultureInfo.InvariantCulture)}): end is exclusive");
            }
            else
            {
                ranges.Add(new StatusRange(start, end));
            }
        }
        return ranges;
    }

    private static TimeSpan Positive(ConfigMap map, string key, bool required)
    {
        var value = map.Duration(key, required);
        if (value is { } duration && duration <= TimeSpan.Zero)
        {
            map.Node(key)!.Error($"{key} must be greater than 0");
            return TimeSpan.FromSeconds(1);
        }
        return value ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>A <c>UInt32Value</c> threshold: a plain integer, or <c>{ value: N }</c>.</summary>
    private static int Threshold(ConfigMap map, string key)
    {
        if (map.Node(key) is ConfigMap wrapper)
        {
            var wrapped = wrapper.Int32("value", 1, min: 1);
            wrapper.RejectUnknownFields();
            return wrapped;
        }
        if (!map.Has(key)) map.Error($"missing required field '{key}'");
        return map.Int32(key, 1, min: 1);
    }

    private static bool IsToken(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c > 0x7e || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 && c != '\t' || c == 0x7f) return false;
        }
        return true;
    }
}
