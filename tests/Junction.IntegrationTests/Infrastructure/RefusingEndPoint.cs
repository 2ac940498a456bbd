using System.Net;
using System.Net.Sockets;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback address where nothing listens, so connecting is refused at once (the kernel answers the SYN
/// with a reset). The port stays bound, without listening, until disposed, so no other test can take it.
/// </summary>
internal sealed class RefusingEndPoint : IDisposable
{
    private readonly Socket _socket;

    public RefusingEndPoint()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _socket.Dispose();
}
