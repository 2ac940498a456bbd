using Junction.Stats;

namespace Junction.Filters.TcpProxy;

/// <summary>Envoy's <c>tcp.&lt;stat_prefix&gt;.*</c> stats, resolved once per filter config.</summary>
internal sealed class TcpProxyStats(IStatsScope scope)
{
    public Counter ConnectionsTotal { get; } = scope.Counter("downstream_cx_total");

    /// <summary>Connections for which no upstream connection could be made.</summary>
    public Counter NoRoute { get; } = scope.Counter("downstream_cx_no_route");

    public Counter BytesReceived { get; } = scope.Counter("downstream_cx_rx_bytes_total");

    public Counter BytesSent { get; } = scope.Counter("downstream_cx_tx_bytes_total");

    public Counter IdleTimeouts { get; } = scope.Counter("idle_timeout");

    public Counter ConnectAttemptsExceeded { get; } = scope.Counter("upstream_connect_attempts_exceeded");

    public Gauge UpstreamsActive { get; } = scope.Gauge("upstream_cx_active");
}
