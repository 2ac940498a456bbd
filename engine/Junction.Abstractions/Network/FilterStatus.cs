namespace Junction.Network;

/// <summary>What a network filter tells the filter chain after it has seen an event.</summary>
public enum FilterStatus
{
    /// <summary>
    /// Pass the event (and whatever data the filter left unconsumed) to the next filter in the chain.
    /// After the last read filter, unconsumed data stays buffered on the connection.
    /// </summary>
    Continue,

    /// <summary>
    /// Stop here: later filters do not see this event. For reads, data the filter did not consume stays
    /// buffered on the connection and is offered again, together with newly arrived bytes, starting from
    /// the first filter on the next read, or starting from the next filter when the filter calls
    /// <see cref="IReadFilterCallbacks.ContinueReading"/>. Buffered data counts against the listener's
    /// <c>per_connection_buffer_limit_bytes</c>; a connection whose filters hold that much without
    /// consuming any of it is closed and counted in the listener's <c>downstream_cx_buffer_overflow</c>.
    /// For writes, the data is dropped from the chain: the filter has taken responsibility for it and may
    /// pass it on later with <see cref="IWriteFilterCallbacks.InjectWriteDataAsync"/>.
    /// </summary>
    StopIteration,
}
