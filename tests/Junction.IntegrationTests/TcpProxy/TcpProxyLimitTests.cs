using System.Diagnostics;
using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>The listener's connection limit and tcp_proxy's idle timeout close connections, and only those they should.</summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyLimitTests
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ListenerConnectionLimitClosesConnectionsBeyondIt()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint,
            runtime: $"envoy.resource_limits.listener.{TcpProxyYaml.Listener}.connection_limit: 2"));
        var address = proxy.Listener(TcpProxyYaml.Listener);

        using var first = await SocketTestExtensions.ConnectAsync(address);
        await first.AssertEchoesAsync(1);
        using var second = await SocketTestExtensions.ConnectAsync(address);
        await second.AssertEchoesAsync(2);

        using (var third = await SocketTestExtensions.ConnectAsync(address))
        {
            Assert.Equal(PeerClose.EndOfStream, await third.WaitForCloseAsync(Promptly));
        }
        Assert.Equal(1, proxy.Counter("listener.in.downstream_cx_overflow"));
        Assert.Equal(2, echo.AcceptedConnections);
        await first.AssertEchoesAsync(3);
        await second.AssertEchoesAsync(4);

        first.Shutdown(SocketShutdown.Send);
        Assert.Empty(await first.ReceiveToEndAsync());
        // The limit counts the listener's open connections; wait until the closed one has left it (the gauge is
        // updated a moment earlier, so it is not the thing to wait for).
        var listener = proxy.Server.Listeners.Single(l => l.Name == TcpProxyYaml.Listener);
        await Eventually.AssertAsync(() => listener.ActiveConnections == 1, "the closed connection to leave the listener");

        using var fourth = await SocketTestExtensions.ConnectAsync(address);
        await fourth.AssertEchoesAsync(5);
        Assert.Equal(1, proxy.Counter("listener.in.downstream_cx_overflow"));
        Assert.Equal(2, proxy.Gauge("listener.in.downstream_cx_active"));
    }

    [Fact]
    public async Task IdleTimeoutEndsAConnectionStuckOnAnUpstreamThatStoppedReading()
    {
        // The client fills every buffer toward an upstream that never reads, so the proxy's read loop
        // waits on the upstream's flush: the idle timeout must still end both connections.
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint, tcpProxy: "idle_timeout: 0.5s"));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();
        client.Blocking = false;
        var chunk = new byte[64 * 1024];
        var stalled = Stopwatch.StartNew();
        // Push until the kernel refuses more (the proxy stopped reading because its upstream did).
        while (stalled.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                client.Send(chunk);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
            {
                break;
            }
        }
        client.Blocking = true;

        await client.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, proxy.Counter("tcp.in.idle_timeout"));
        await server.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
    }

    [Fact]
    public async Task IdleConnectionIsClosedAfterIdleTimeout()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint, tcpProxy: "idle_timeout: 0.3s"));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();
        await client.SendAllAsync("ping"u8.ToArray());
        await server.ReceiveExactlyAsync(4);
        await server.SendAllAsync("pong"u8.ToArray());
        await client.ReceiveExactlyAsync(4);
        var quiet = Stopwatch.StartNew();

        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));
        Assert.True(quiet.Elapsed >= TimeSpan.FromMilliseconds(250), $"closed {quiet.Elapsed.TotalMilliseconds:0} ms after the last byte, before the idle timeout");

        Assert.Equal(1, proxy.Counter("tcp.in.idle_timeout"));
        // The upstream side goes too.
        await server.WaitForCloseAsync(Promptly);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
    }

    [Fact]
    public async Task ConnectionWithTrafficOutlivesIdleTimeout()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint, tcpProxy: "idle_timeout: 0.3s"));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));

        // A byte every 100 ms for a second: more than three idle timeouts in all, never one without traffic.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (byte i = 0; i < 10; i++)
        {
            await client.AssertEchoesAsync(i);
            await pace.WaitForNextTickAsync();
        }
        await client.AssertEchoesAsync(10);
        Assert.Equal(0, proxy.Counter("tcp.in.idle_timeout"));

        // Once the traffic stops, the timeout does apply.
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));
        Assert.Equal(1, proxy.Counter("tcp.in.idle_timeout"));
    }
}
