using System.Net;
using System.Net.Sockets;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A real upstream on 127.0.0.1 port 0 that echoes every byte back and half-closes when its peer does.
/// Counts the connections it accepted, so tests can see which upstream a connection went to.
/// </summary>
internal sealed class TcpEchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _accepted;

    public TcpEchoServer(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = EchoAsync(socket);
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0) break;
                    await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
                socket.Shutdown(SocketShutdown.Send);
                // Wait for the peer to close before closing, so no reset races our FIN.
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
                {
                }
            }
            catch (Exception)
            {
            }
        }
    }
}
