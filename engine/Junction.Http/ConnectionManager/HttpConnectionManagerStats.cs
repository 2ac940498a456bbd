using Junction.Stats;

namespace Junction.Http.ConnectionManager;

/// <summary>Envoy's <c>http.&lt;stat_prefix&gt;.*</c> stats, resolved once per connection manager config.</summary>
internal sealed class HttpConnectionManagerStats(IStatsScope scope, IStatsScope root)
{
    public Counter ConnectionsTotal { get; } = scope.Counter("downstream_cx_total");

    public Gauge ConnectionsActive { get; } = scope.Gauge("downstream_cx_active");

    public Counter RequestsTotal { get; } = scope.Counter("downstream_rq_total");

    public Gauge RequestsActive { get; } = scope.Gauge("downstream_rq_active");

    /// <summary>downstream_rq_1xx .. downstream_rq_5xx, indexed by the first digit of the status.</summary>
    public Counter[] ResponsesByClass { get; } =
    {
        scope.Counter("downstream_rq_1xx"), scope.Counter("downstream_rq_1xx"), scope.Counter("downstream_rq_2xx"),
        scope.Counter("downstream_rq_3xx"), scope.Counter("downstream_rq_4xx"), scope.Counter("downstream_rq_5xx"),
    };

    /// <summary>Requests refused for malformed framing or headers (Envoy's downstream_rq_rx_reset-like protocol errors).</summary>
    public Counter ProtocolErrors { get; } = scope.Counter("downstream_cx_protocol_error");

    public Counter NoRoute { get; } = scope.Counter("no_route");

    public Counter NoCluster { get; } = scope.Counter("no_cluster");

    /// <summary>request_timeout fired: the whole request did not arrive in time. (Route timeouts count in the cluster's upstream_rq_timeout.)</summary>
    public Counter RequestTimeouts { get; } = scope.Counter("downstream_rq_timeout");

    /// <summary>request_headers_timeout fired: the request head did not arrive in time.</summary>
    public Counter RequestHeaderTimeouts { get; } = scope.Counter("downstream_rq_header_timeout");

    /// <summary>stream_idle_timeout fired: an exchange saw no bytes either way for that long.</summary>
    public Counter StreamIdleTimeouts { get; } = scope.Counter("downstream_rq_idle_timeout");

    /// <summary>common_http_protocol_options.idle_timeout closed a connection that had no exchange.</summary>
    public Counter IdleTimeouts { get; } = scope.Counter("downstream_cx_idle_timeout");

    /// <summary>common_http_protocol_options.max_connection_duration passed (counted once per connection).</summary>
    public Counter MaxDurationReached { get; } = scope.Counter("downstream_cx_max_duration_reached");

    public Counter LocalReplies { get; } = scope.Counter("downstream_rq_local_reply");

    /// <summary>Requests answered 413 because HTTP filters buffered more body than the buffer limit (Envoy's name).</summary>
    public Counter RequestTooLarge { get; } = scope.Counter("downstream_rq_too_large");

    /// <summary>Responses that outgrew the buffer limit while HTTP filters buffered them: 500, or a reset (Envoy's name).</summary>
    public Counter ResponseTooLarge { get; } = scope.Counter("rs_too_large");

    /// <summary>Streams failed because an HTTP filter threw: 500 before the response started, a reset after.</summary>
    public Counter FilterErrors { get; } = scope.Counter("downstream_rq_filter_error");

    /// <summary>Milliseconds from the request head parsed to the response written.</summary>
    public Histogram RequestTime { get; } = scope.Histogram("downstream_rq_time");

    /// <summary>This connection manager's scope, <c>http.&lt;stat_prefix&gt;</c>.</summary>
    public IStatsScope Scope { get; } = scope;

    /// <summary>The root scope, for per-cluster request stats.</summary>
    public IStatsScope Root { get; } = root;

    public void CountResponse(int status)
    {
        var digit = status / 100;
        if (digit is >= 1 and <= 5) ResponsesByClass[digit].Increment();
    }
}
