namespace Junction.Network;

/// <summary>
/// A filter on the bytes written to the downstream peer. Write filters run in reverse configuration
/// order (the last configured filter sees the data first), mirroring Envoy.
/// </summary>
public interface INetworkWriteFilter
{
    /// <summary>Called once, before any other member, with the chain's callbacks for this filter.</summary>
    void Initialize(IWriteFilterCallbacks callbacks);

    /// <summary>
    /// Called with bytes on their way to the peer. Return <see cref="FilterStatus.Continue"/> to pass on
    /// what is left unconsumed (normally everything), or <see cref="FilterStatus.StopIteration"/> to keep
    /// the data from the socket. <paramref name="endOfStream"/> is true for the write that half-closes.
    /// </summary>
    ValueTask<FilterStatus> OnWriteAsync(NetworkData data, bool endOfStream);
}
