namespace Junction.Network;

/// <summary>Receives the filters a factory creates for a new connection, in configuration order.</summary>
public interface INetworkFilterChainBuilder
{
    /// <summary>The connection the chain is being built for.</summary>
    INetworkConnection Connection { get; }

    /// <summary>Adds a read filter.</summary>
    void AddReadFilter(INetworkReadFilter filter);

    /// <summary>Adds a write filter.</summary>
    void AddWriteFilter(INetworkWriteFilter filter);
}
