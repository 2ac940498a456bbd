using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A real upstream on 127.0.0.1 port 0 that hands every accepted socket to the test, which then plays the
/// upstream's part by hand (reads or not, half-closes, resets). Disposing closes the listener and every
/// socket it accepted.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Channel<Socket> _accepted = Channel.CreateUnbounded<Socket>();
    private readonly ConcurrentQueue<Socket> _sockets = new();
    private readonly Task _acceptLoop;

    public ScriptedUpstream()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The next connection the proxy made to this upstream; throws <see cref="TimeoutException"/> when none arrives in time.</summary>
    public async Task<Socket> AcceptAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            return await _accepted.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no connection reached the upstream within {limit.TotalSeconds:0.#}s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        while (_sockets.TryDequeue(out var socket)) socket.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                _accepted.Writer.TryComplete();
                return;
            }
            socket.NoDelay = true;
            _sockets.Enqueue(socket);
            _accepted.Writer.TryWrite(socket);
        }
    }
}
