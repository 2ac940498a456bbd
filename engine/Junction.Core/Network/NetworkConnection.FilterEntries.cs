using System.Buffers;
using Junction.Network;

namespace Junction.Core.Network;

internal sealed partial class NetworkConnection
{
    /// <summary>A read filter in the chain, and the callbacks the chain gives it.</summary>
    private sealed class ReadFilterEntry(NetworkConnection connection, INetworkReadFilter filter, int index) : IReadFilterCallbacks
    {
        public INetworkReadFilter Filter { get; } = filter;

        public bool SawNewConnection { get; set; }

        public bool SawEndOfStream { get; set; }

        public INetworkConnection Connection => connection;

        public void ContinueReading()
        {
            Volatile.Write(ref connection._resumeIndex, index + 1);
            connection._input.CancelPendingRead();
        }

        public async ValueTask InjectReadDataAsync(ReadOnlySequence<byte> data, bool endOfStream)
        {
            var injected = new NetworkData();
            injected.Reset(data);
            await connection.OfferReadDataAsync(index + 1, injected, endOfStream).ConfigureAwait(false);
        }
    }

    /// <summary>A write filter in the chain, and the callbacks the chain gives it.</summary>
    private sealed class WriteFilterEntry(NetworkConnection connection, INetworkWriteFilter filter) : IWriteFilterCallbacks
    {
        public INetworkWriteFilter Filter { get; } = filter;

        /// <summary>Position in the order data passes through (0 sees it first).</summary>
        public int Index { get; set; }

        public INetworkConnection Connection => connection;

        public ValueTask<bool> InjectWriteDataAsync(ReadOnlySequence<byte> data, bool endOfStream) =>
            connection.WriteFromAsync(Index + 1, data, endOfStream);
    }
}
