using System.Buffers;

namespace Junction.Network;

/// <summary>What the filter chain offers a write filter.</summary>
public interface IWriteFilterCallbacks
{
    /// <summary>The connection the filter is installed on.</summary>
    INetworkConnection Connection { get; }

    /// <summary>
    /// Passes <paramref name="data"/> to the write filters after this one (toward the socket). Used by a
    /// filter that stopped or transformed outgoing data. Returns false when the connection is closed.
    /// </summary>
    ValueTask<bool> InjectWriteDataAsync(ReadOnlySequence<byte> data, bool endOfStream);
}
