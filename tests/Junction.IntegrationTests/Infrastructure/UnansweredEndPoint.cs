using System.Net;
using System.Net.Sockets;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback address where connection attempts get no answer at all, so only a connect timeout ends
/// them: a listening socket with a backlog of 0 that never accepts, whose accept queue is filled with
/// connections of its own. Linux drops a SYN to a listener whose accept queue is full (it does not refuse
/// it), so a further connect just waits for SYN retransmissions, the first of them a second later.
/// </summary>
internal sealed class UnansweredEndPoint : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = new();

    private UnansweredEndPoint(Socket listener)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Creates the listener and connects to it until a connect stays unanswered, which shows the queue is
    /// full. Throws <see cref="InvalidOperationException"/> when the queue never fills.
    /// </summary>
    public static async Task<UnansweredEndPoint> CreateAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var result = new UnansweredEndPoint(listener);
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // A loopback handshake the kernel completes takes microseconds; 300 ms without an answer means the SYN was dropped.
            using var unanswered = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await socket.ConnectAsync(result.EndPoint, unanswered.Token);
                result._fillers.Add(socket);
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                return result;
            }
        }
        result.Dispose();
        throw new InvalidOperationException("the accept queue of a listener with backlog 0 never filled");
    }

    public void Dispose()
    {
        foreach (var socket in _fillers) socket.Dispose();
        _listener.Dispose();
    }
}
