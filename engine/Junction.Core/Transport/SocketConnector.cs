using System.Net;
using System.Net.Sockets;

namespace Junction.Core.Transport;

/// <summary>Opens outbound TCP connections (to upstream hosts) as <see cref="SocketConnection"/>s.</summary>
internal static class SocketConnector
{
    /// <summary>
    /// Connects to <paramref name="endPoint"/>. Throws <see cref="SocketException"/> when the host refuses
    /// or cannot be reached and <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/>
    /// fires (the caller's connect timeout).
    /// </summary>
    public static async ValueTask<SocketConnection> ConnectAsync(EndPoint endPoint, TransportOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new SocketConnection(socket, options);
        connection.Start();
        return connection;
    }
}
