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
        var poller = ReceivePoller.Next();
        var readable = new ReadableSignal();
        var id = 0L;
        try
        {
            // With a receive poller the connect waits on it too: a socket that ever waits in the runtime's
            // engine stays registered there, and its thread would then wake for every response as well.
            socket.Blocking = poller is null;
            if (poller is not null && poller.TryAdd(socket, readable, out id, writableToo: true))
            {
                await ConnectOnPollerAsync(socket, endPoint, poller, readable, id, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                poller = null;
                socket.Blocking = true;
                await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            poller?.Remove(id);
            socket.Dispose();
            throw;
        }
        var connection = new SocketConnection(socket, options);
        if (poller is not null) connection.UsePoller(poller, readable, id);
        connection.Start();
        return connection;
    }

    /// <summary>A non-blocking connect, completed when the poller reports the socket writable.</summary>
    private static async ValueTask ConnectOnPollerAsync(
        Socket socket, EndPoint endPoint, ReceivePoller poller, ReadableSignal signal, long id, CancellationToken cancellationToken)
    {
        try
        {
            socket.Connect(endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
        {
            // In progress. On timeout the token's callback raises the signal so that the wait below ends,
            // from the thread pool so that the connect's caller does not go on inside Cancel().
            using var registration = cancellationToken.UnsafeRegister(
                static s => ThreadPool.UnsafeQueueUserWorkItem(static r => r.Raise(peerClosed: false), (ReadableSignal)s!, preferLocal: false),
                signal);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await signal.WaitAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success) throw new SocketException((int)error);
                // Writable means connected; Poll also moves the Socket to its connected state.
                if (socket.Poll(0, SelectMode.SelectWrite)) break;
            }
        }
        if (!poller.TryStopWatchingWritable(socket, id)) throw new SocketException((int)SocketError.NotConnected);
    }
}
