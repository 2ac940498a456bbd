namespace Junction.Network;

/// <summary>
/// A filter on the bytes arriving from the downstream peer. Read filters run in configuration order.
/// One instance serves one connection, and the chain never calls it concurrently with itself.
/// </summary>
public interface INetworkReadFilter
{
    /// <summary>Called once, before any other member, with the chain's callbacks for this filter.</summary>
    void Initialize(IReadFilterCallbacks callbacks);

    /// <summary>
    /// Called once when the connection is established, before any data. A filter that must finish
    /// asynchronous work before data flows (a terminal filter connecting upstream, say) completes the
    /// task when ready, or returns <see cref="FilterStatus.StopIteration"/> and later calls
    /// <see cref="IReadFilterCallbacks.ContinueReading"/>. No data is offered to any filter until every
    /// filter has continued past this event.
    /// </summary>
    ValueTask<FilterStatus> OnNewConnectionAsync();

    /// <summary>
    /// Called with the bytes not consumed by earlier filters. <paramref name="endOfStream"/> is true once
    /// the peer has half-closed (sent FIN); it is delivered exactly once to each filter the chain reaches.
    /// A terminal filter consumes what it forwards and awaits its destination, which is how backpressure
    /// reaches the socket: no more bytes are read from the peer until this call completes.
    /// </summary>
    ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream);
}
