using System.Buffers;
using Junction.Network;

namespace Junction.Filters.DirectResponse;

/// <summary>Writes the configured bytes as soon as the connection opens, then closes it after the flush.</summary>
internal sealed class DirectResponseFilter(byte[] response) : INetworkReadFilter
{
    private IReadFilterCallbacks _callbacks = null!;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    public async ValueTask<FilterStatus> OnNewConnectionAsync()
    {
        var connection = _callbacks.Connection;
        await connection.WriteAsync(new ReadOnlySequence<byte>(response), endOfStream: true).ConfigureAwait(false);
        // FlushWrite sends FIN after the response and reads out whatever the client sent, so the client
        // gets the response rather than a reset for its unread request bytes.
        connection.Close(ConnectionCloseType.FlushWrite);
        return FilterStatus.StopIteration;
    }

    public ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        data.ConsumeAll();
        return ValueTask.FromResult(FilterStatus.StopIteration);
    }
}
