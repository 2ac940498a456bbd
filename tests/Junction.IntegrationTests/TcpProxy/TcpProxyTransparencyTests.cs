using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>Bytes and half-closes pass through tcp_proxy unchanged, in both directions.</summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyTransparencyTests
{
    private const long HundredMegabytes = 100L * 1024 * 1024;
    private static readonly TimeSpan BulkTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SeveralMessagesOnOneConnectionEchoInOrder()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));

        for (var i = 0; i < 10; i++)
        {
            var message = Encoding.ASCII.GetBytes($"message {i} " + new string((char)('a' + i), i * 100));
            await client.SendAllAsync(message);
            Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
        }
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync());

        Assert.Equal(1, echo.AcceptedConnections);
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_total"));
    }

    [Fact]
    public async Task FiftyConcurrentConnectionsEachEchoTheirOwnData()
    {
        const int connections = 50;
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint));
        var address = proxy.Listener(TcpProxyYaml.Listener);

        await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
        {
            using var client = await SocketTestExtensions.ConnectAsync(address);
            for (var round = 0; round < 3; round++)
            {
                // Distinct bytes per connection and round: data crossing between connections would not match.
                var data = SeededData.Bytes(seed: i * 10 + round, length: 8 * 1024 + i);
                await client.SendAllAsync(data);
                Assert.Equal(data, await client.ReceiveExactlyAsync(data.Length));
            }
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await client.ReceiveToEndAsync());
        }));

        Assert.Equal(connections, echo.AcceptedConnections);
        Assert.Equal(connections, proxy.Counter("listener.in.downstream_cx_total"));
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
    }

    [Fact]
    public async Task HundredMegabytesFromClientReachUpstreamIntact()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        var received = server.ReceiveHashedToEndAsync(BulkTimeout);
        var sent = await SeededData.SendAsync(client, seed: 1, HundredMegabytes);
        client.Shutdown(SocketShutdown.Send);
        var (count, hash) = await received;

        Assert.Equal(HundredMegabytes, count);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(hash));
        server.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync());
    }

    [Fact]
    public async Task HundredMegabytesFromUpstreamReachClientIntact()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        var received = client.ReceiveHashedToEndAsync(BulkTimeout);
        var sent = await SeededData.SendAsync(server, seed: 2, HundredMegabytes);
        server.Shutdown(SocketShutdown.Send);
        var (count, hash) = await received;

        Assert.Equal(HundredMegabytes, count);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(hash));
    }

    [Fact]
    public async Task ClientHalfCloseReachesUpstreamWhichCanStillReply()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        await client.SendAllAsync("request"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        // The upstream sees the request and then the client's FIN.
        Assert.Equal("request", Encoding.ASCII.GetString(await server.ReceiveToEndAsync()));

        await server.SendAllAsync("reply after your FIN"u8.ToArray());
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal("reply after your FIN", Encoding.ASCII.GetString(await client.ReceiveToEndAsync()));

        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
    }

    [Fact]
    public async Task UpstreamHalfCloseReachesClientWhichCanStillSend()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        await client.SendAllAsync("hello"u8.ToArray());
        Assert.Equal("hello", Encoding.ASCII.GetString(await server.ReceiveExactlyAsync(5)));
        await server.SendAllAsync("goodbye"u8.ToArray());
        server.Shutdown(SocketShutdown.Send);
        // The client gets the upstream's last bytes and its FIN...
        Assert.Equal("goodbye", Encoding.ASCII.GetString(await client.ReceiveToEndAsync()));

        // ...and its own direction stays open: what it sends now still reaches the upstream.
        var late = SeededData.Bytes(seed: 3, length: 256 * 1024);
        await client.SendAllAsync(late);
        Assert.Equal(late, await server.ReceiveExactlyAsync(late.Length));
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await server.ReceiveToEndAsync());

        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
    }
}
