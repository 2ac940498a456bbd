using System.Net;
using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// New connections are spread over a cluster's hosts by its lb_policy and endpoint weights, and over
/// clusters by tcp_proxy's weighted_clusters.
/// </summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyLoadBalancingTests
{
    [Fact]
    public async Task WeightedRoundRobinSplitsConnectionsExactlyByWeight()
    {
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        await using var c = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap("cluster: up", new[]
        {
            TcpProxyYaml.Cluster("up", new[] { (a.EndPoint, 3), (b.EndPoint, 1), (c.EndPoint, 1) }, "lb_policy: ROUND_ROBIN"),
        }));

        for (var i = 0; i < 50; i++) await EchoOneByteAsync(proxy.Listener(TcpProxyYaml.Listener));

        // Smooth weighted round robin is deterministic: every 5 picks are 3 x a, 1 x b, 1 x c.
        Assert.Equal((30, 10, 10), (a.AcceptedConnections, b.AcceptedConnections, c.AcceptedConnections));
    }

    [Fact]
    public async Task RandomPolicySplitsConnectionsByWeight()
    {
        const int connections = 1000;
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap("cluster: up", new[]
        {
            TcpProxyYaml.Cluster("up", new[] { (a.EndPoint, 3), (b.EndPoint, 1) }, "lb_policy: RANDOM"),
        }));

        for (var i = 0; i < connections; i++) await EchoOneByteAsync(proxy.Listener(TcpProxyYaml.Listener));

        // Expected 750; one standard deviation is about 14, so +-80 fails only when the weights are ignored.
        Assert.Equal(connections, a.AcceptedConnections + b.AcceptedConnections);
        Assert.InRange(a.AcceptedConnections, 670, 830);
    }

    [Fact]
    public async Task LeastRequestPrefersTheHostWithFewerOpenConnections()
    {
        const int connections = 100;
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap("cluster: up", new[]
        {
            TcpProxyYaml.Cluster("up", new[] { (a.EndPoint, 1), (b.EndPoint, 1) }, "lb_policy: LEAST_REQUEST"),
        }));
        var address = proxy.Listener(TcpProxyYaml.Listener);

        using var longLived = await SocketTestExtensions.ConnectAsync(address);
        await longLived.SendAllAsync(new byte[] { 1 });
        await longLived.ReceiveExactlyAsync(1);
        var idle = a.AcceptedConnections == 1 ? b : a;

        var toIdle = 0;
        for (var i = 0; i < connections; i++)
        {
            var before = idle.AcceptedConnections;
            await EchoOneByteAsync(address);
            if (idle.AcceptedConnections > before) toIdle++;
            // The balancer reads live connection counts: let this connection's count go before the next pick.
            await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 1);
        }

        // Two random choices, the less loaded one wins: the idle host is picked unless both draws are the
        // busy one, so about 75 of 100; random picks would give about 50.
        Assert.True(toIdle > 60, $"only {toIdle} of {connections} connections went to the host with no open connections");
        Assert.Equal(1 + connections, a.AcceptedConnections + b.AcceptedConnections);
    }

    [Fact]
    public async Task WeightedClustersSplitConnectionsByClusterWeight()
    {
        const int connections = 500;
        await using var heavy = new TcpEchoServer();
        await using var light = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(
            "weighted_clusters: { clusters: [ { name: heavy, weight: 80 }, { name: light, weight: 20 } ] }",
            new[] { TcpProxyYaml.Cluster("heavy", heavy.EndPoint), TcpProxyYaml.Cluster("light", light.EndPoint) }));

        for (var i = 0; i < connections; i++) await EchoOneByteAsync(proxy.Listener(TcpProxyYaml.Listener));

        var toHeavy = proxy.Counter("cluster.heavy.upstream_cx_total");
        Assert.Equal(connections, toHeavy + proxy.Counter("cluster.light.upstream_cx_total"));
        Assert.Equal(toHeavy, heavy.AcceptedConnections);
        // 80 % +- 8 percentage points; one standard deviation is under 2.
        Assert.InRange(toHeavy * 100.0 / connections, 72.0, 88.0);
    }

    /// <summary>One whole connection through the proxy: a byte there and back, then an orderly close both ways.</summary>
    private static async Task EchoOneByteAsync(IPEndPoint proxy)
    {
        using var client = await SocketTestExtensions.ConnectAsync(proxy);
        await client.SendAllAsync(new byte[] { 42 });
        Assert.Equal(new byte[] { 42 }, await client.ReceiveExactlyAsync(1));
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync());
    }
}
