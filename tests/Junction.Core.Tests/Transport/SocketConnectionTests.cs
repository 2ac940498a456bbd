using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.Core.Transport;

namespace Junction.Core.Tests.Transport;

/// <summary>
/// The socket transport's receive side, with the receive poller where the process runs it (tests/run.sh
/// turns inline completions on, which enables it on Linux) and with the runtime's engine elsewhere.
/// </summary>
public sealed class SocketConnectionTests
{
    [Fact]
    public async Task BytesAndFinInOneBurstAreBothDelivered()
    {
        var (client, connection) = await ConnectedPairAsync();
        await using var _ = connection;
        using (client)
        {
            // Sent and shut down before the receive loop looks: one edge carries both.
            client.Send(Encoding.ASCII.GetBytes("hello"));
            client.Shutdown(SocketShutdown.Send);
            connection.Start();
            var received = new StringBuilder();
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                foreach (var segment in result.Buffer) received.Append(Encoding.ASCII.GetString(segment.Span));
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
            Assert.Equal("hello", received.ToString());
        }
    }

    [Fact]
    public async Task RequestsAndRepliesKeepFlowingOnOneConnection()
    {
        var (client, connection) = await ConnectedPairAsync();
        await using var _ = connection;
        using (client)
        {
            connection.Start();
            client.ReceiveTimeout = 5000;
            var buffer = new byte[16];
            for (var i = 0; i < 50; i++)
            {
                client.Send(Encoding.ASCII.GetBytes("ping"));
                var result = await connection.Transport.Input.ReadAtLeastAsync(4).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                Assert.Equal("ping", Encoding.ASCII.GetString(result.Buffer.FirstSpan[..4]));
                connection.Transport.Input.AdvanceTo(result.Buffer.GetPosition(4));
                await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes("pong"));
                Assert.Equal(4, client.Receive(buffer));
            }
        }
    }

    [Fact]
    public async Task AbortEndsAnIdleReceiveLoop()
    {
        var (client, connection) = await ConnectedPairAsync();
        using (client)
        {
            connection.Start();
            var read = connection.Transport.Input.ReadAsync().AsTask();
            await Task.Delay(50);
            Assert.False(read.IsCompleted);
            connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("test"));
            var result = await read.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(result.IsCompleted);
            await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    private static async Task<(Socket Client, SocketConnection Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var accepted = await listener.AcceptAsync();
        return (client, new SocketConnection(accepted, new TransportOptions(64 * 1024)));
    }
}
