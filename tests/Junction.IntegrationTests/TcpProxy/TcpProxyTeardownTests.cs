using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// However a connection ends (an orderly close, a reset from either side, a client gone while data is
/// backed up) the other side is told the right way, everything is released, and the stats add up.
/// </summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyTeardownTests
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StatsSettleAfterAnOrderlyClose()
    {
        const int request = 1000;
        const int response = 300;
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using (var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener)))
        {
            using var server = await upstream.AcceptAsync();
            await client.SendAllAsync(SeededData.Bytes(seed: 6, request));
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(request, (await server.ReceiveToEndAsync()).Length);
            await server.SendAllAsync(SeededData.Bytes(seed: 7, response));
            server.Shutdown(SocketShutdown.Send);
            Assert.Equal(response, (await client.ReceiveToEndAsync()).Length);
        }

        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("tcp.in.upstream_cx_active", 0);
        Assert.Equal(1, proxy.Counter("listener.in.downstream_cx_total"));
        Assert.Equal(1, proxy.Counter("tcp.in.downstream_cx_total"));
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_total"));
        await proxy.CounterReachesAsync("listener.in.downstream_cx_destroy", 1);
        await proxy.CounterReachesAsync("cluster.up.upstream_cx_destroy", 1);

        // Unequal sizes each way, so a swapped rx/tx shows.
        await proxy.CounterReachesAsync("listener.in.downstream_cx_rx_bytes_total", request);
        await proxy.CounterReachesAsync("listener.in.downstream_cx_tx_bytes_total", response);
        await proxy.CounterReachesAsync("tcp.in.downstream_cx_rx_bytes_total", request);
        await proxy.CounterReachesAsync("tcp.in.downstream_cx_tx_bytes_total", response);
        await proxy.CounterReachesAsync("cluster.up.upstream_cx_tx_bytes_total", request);
        await proxy.CounterReachesAsync("cluster.up.upstream_cx_rx_bytes_total", response);
    }

    [Fact]
    public async Task ClientResetMidStreamResetsTheUpstreamAndSettlesGauges()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();
        await client.SendAllAsync(SeededData.Bytes(seed: 8, 64 * 1024));
        await server.ReceiveExactlyAsync(64 * 1024);
        // Mid-stream: the upstream has sent bytes the client never reads.
        await server.SendAllAsync(SeededData.Bytes(seed: 9, 64 * 1024));

        client.Reset();

        // Not a FIN: that would tell the upstream the client finished cleanly and leave the proxy waiting
        // for the upstream to close.
        Assert.Equal(PeerClose.Reset, await server.WaitForCloseAsync(Promptly));
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("tcp.in.upstream_cx_active", 0);
        await proxy.CounterReachesAsync("cluster.up.upstream_cx_destroy", 1);
    }

    [Fact]
    public async Task ClientResetFirstSeenByAFailedSendStillResetsTheUpstream()
    {
        // The kernel reports a reset's error to one call only. Here the proxy's send to the client takes it,
        // so the proxy's later reads of the client see only the end of the stream, which must still count
        // as a reset.
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        // The upstream reads nothing, so the client's bytes back up until the proxy stops reading the
        // client's socket altogether: nothing in the proxy reads it when the reset arrives.
        long accepted = 0;
        var sending = Task.Run(() => SeededData.SendAsync(client, seed: 12, 256L * 1024 * 1024, n => Interlocked.Add(ref accepted, n)));
        await ProgressStall.WaitAsync(() => Interlocked.Read(ref accepted), sending);
        client.Reset();
        // The stalled send ends with the socket it was using.
        await Assert.ThrowsAnyAsync<Exception>(() => sending);

        // A few bytes from the upstream make the proxy send to the client, and that send takes the error.
        await server.SendAllAsync("late"u8.ToArray());
        await proxy.CounterReachesAsync("tcp.in.downstream_cx_tx_bytes_total", 4);

        // Now the upstream reads: the proxy reads the client's socket again, to its end.
        Assert.Equal(PeerClose.Reset, await server.WaitForCloseAsync(Promptly));
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
    }

    [Fact]
    public async Task ClientGoneWhileUpstreamIsBackedUpReleasesTheUpstreamConnection()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint,
            clusterFields: "circuit_breakers: { thresholds: [ { max_connections: 1 } ] }"));
        var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        // The client reads nothing, so every buffer on the way back fills, the proxy's upstream pipe included,
        // until the upstream cannot send any more.
        long accepted = 0;
        var sending = Task.Run(() => SeededData.SendAsync(server, seed: 11, 256L * 1024 * 1024, n => Interlocked.Add(ref accepted, n)));
        await ProgressStall.WaitAsync(() => Interlocked.Read(ref accepted), sending);

        client.Reset();

        // The upstream connection is closed and given back: gauges settle and the breaker's only slot is free.
        await Assert.ThrowsAnyAsync<SocketException>(() => sending).WaitAsync(Promptly);
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("tcp.in.upstream_cx_active", 0);
        Assert.Equal(0, proxy.Gauge("cluster.up.circuit_breakers.default.cx_open"));
        using var next = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var nextServer = await upstream.AcceptAsync();
        await next.SendAllAsync("again"u8.ToArray());
        Assert.Equal("again"u8.ToArray(), await nextServer.ReceiveExactlyAsync(5));
    }

    [Fact]
    public async Task UpstreamResetMidStreamClosesTheClientAndSettlesGauges()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        var server = await upstream.AcceptAsync();
        await client.SendAllAsync(SeededData.Bytes(seed: 10, 64 * 1024));
        await server.ReceiveExactlyAsync(32 * 1024);

        // The upstream resets with some of the client's bytes still unread.
        server.Reset();

        // The proxy flushes what it has and sends FIN (Envoy's FlushWrite), it does not pass the reset on.
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        await proxy.GaugeReachesAsync("tcp.in.upstream_cx_active", 0);
    }
}
