using System.Net;

namespace Junction.Network;

/// <summary>A downstream connection as its network filters see it.</summary>
public interface INetworkConnection
{
    /// <summary>A process-unique id, used in logs.</summary>
    long Id { get; }

    /// <summary>The peer's address.</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>The local address the connection was accepted on.</summary>
    EndPoint? LocalEndPoint { get; }

    /// <summary>Facts about the connection that access logs and filters read (times, bytes, upstream, flags).</summary>
    Junction.AccessLog.StreamInfo Info { get; }

    /// <summary>Fires once when the connection is closed, for whatever reason.</summary>
    CancellationToken Closed { get; }

    /// <summary>
    /// Fires as soon as a close is requested, before it completes. A filter that may be waiting on
    /// something else (an upstream that stopped reading) registers here to give up that wait.
    /// </summary>
    CancellationToken Closing { get; }

    /// <summary>
    /// Fires when the proxy starts a graceful drain (shutdown): protocols that can end a connection
    /// cleanly do so (HTTP/1.1 closes after the current response, HTTP/2 sends GOAWAY); the connection is
    /// reset only if it is still open when the drain time is over.
    /// </summary>
    CancellationToken DrainRequested { get; }

    /// <summary>
    /// Writes to the peer through the write filters (in reverse order of configuration), then to the
    /// socket. Completes when the bytes are accepted by the connection's send buffer; it waits while
    /// that buffer is over its limit, which is how a slow peer slows its sender down.
    /// </summary>
    /// <param name="data">The bytes to send; they are copied before the call completes.</param>
    /// <param name="endOfStream">True to half-close the connection's write side (FIN) after the data.</param>
    /// <returns>False when the connection can no longer be written to (it is closing or closed).</returns>
    ValueTask<bool> WriteAsync(System.Buffers.ReadOnlySequence<byte> data, bool endOfStream);

    /// <summary>Closes the connection. Safe to call more than once and from any thread.</summary>
    void Close(ConnectionCloseType type);
}
