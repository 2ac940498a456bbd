using Junction.Stats;

namespace Junction.Core.Network;

/// <summary>A listener's stats (Envoy's <c>listener.&lt;stat_prefix&gt;.*</c>), resolved once per listener.</summary>
internal sealed class ListenerStats
{
    public ListenerStats(IStatsScope scope)
    {
        ConnectionsTotal = scope.Counter("downstream_cx_total");
        ConnectionsActive = scope.Gauge("downstream_cx_active");
        ConnectionsDestroyed = scope.Counter("downstream_cx_destroy");
        Overflow = scope.Counter("downstream_cx_overflow");
        BufferOverflow = scope.Counter("downstream_cx_buffer_overflow");
        BytesReceived = scope.Counter("downstream_cx_rx_bytes_total");
        BytesSent = scope.Counter("downstream_cx_tx_bytes_total");
        NoFilterChainMatch = scope.Counter("no_filter_chain_match");
    }

    public Counter ConnectionsTotal { get; }

    public Gauge ConnectionsActive { get; }

    public Counter ConnectionsDestroyed { get; }

    /// <summary>Connections refused because the listener's connection limit was reached.</summary>
    public Counter Overflow { get; }

    /// <summary>Connections closed because filters held a full buffer without consuming it.</summary>
    public Counter BufferOverflow { get; }

    public Counter BytesReceived { get; }

    public Counter BytesSent { get; }

    public Counter NoFilterChainMatch { get; }
}
