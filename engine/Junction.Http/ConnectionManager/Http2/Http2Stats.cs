using Junction.Stats;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>A connection manager's HTTP/2 stats (<c>http.&lt;stat_prefix&gt;.http2.*</c>, Envoy's names where Envoy has them).</summary>
internal sealed class Http2Stats(IStatsScope scope)
{
    /// <summary>Streams open now.</summary>
    public Gauge StreamsActive { get; } = scope.Gauge("streams_active");

    /// <summary>RST_STREAM frames received.</summary>
    public Counter ResetsReceived { get; } = scope.Counter("rx_reset");

    /// <summary>RST_STREAM frames sent.</summary>
    public Counter ResetsSent { get; } = scope.Counter("tx_reset");

    /// <summary>Connections ended with GOAWAY for a protocol error.</summary>
    public Counter ProtocolErrors { get; } = scope.Counter("rx_protocol_error");

    /// <summary>Malformed requests (RFC 9113 §8.1.1), reset with PROTOCOL_ERROR.</summary>
    public Counter MessagingErrors { get; } = scope.Counter("rx_messaging_error");

    /// <summary>Requests whose decoded headers exceeded the limit (431).</summary>
    public Counter HeaderListTooLarge { get; } = scope.Counter("header_overflow");

    /// <summary>New streams refused: over max_concurrent_streams, or after GOAWAY.</summary>
    public Counter StreamsRefused { get; } = scope.Counter("streams_refused");

    /// <summary>Connections closed for sending too many empty frames in a row.</summary>
    public Counter EmptyFrameFlood { get; } = scope.Counter("inbound_empty_frames_flood");

    /// <summary>Connections closed for sending too many PRIORITY frames on a stream.</summary>
    public Counter PriorityFlood { get; } = scope.Counter("inbound_priority_frames_flood");

    /// <summary>Connections closed for sending PING or SETTINGS frames by the thousand (each needs an answer).</summary>
    public Counter ControlFrameFlood { get; } = scope.Counter("inbound_control_frames_flood");

    /// <summary>Connections closed for an endless header block (CONTINUATION flood).</summary>
    public Counter HeaderBlockFlood { get; } = scope.Counter("header_block_flood");

    /// <summary>Connections closed for resetting too many of their streams early (rapid reset).</summary>
    public Counter RapidResetFlood { get; } = scope.Counter("premature_reset_flood");

    /// <summary>GOAWAY frames sent.</summary>
    public Counter GoAwaysSent { get; } = scope.Counter("goaway_sent");
}
