using System.Diagnostics;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// When no upstream connection can be had (refused, unanswered, circuit breaker open) the client's
/// connection is closed promptly with a FIN (no reset), and the failure is counted where Envoy counts it.
/// </summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyUpstreamFailureTests
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task RefusedUpstreamClosesTheClientAndCountsOneConnectFailure()
    {
        using var refusing = new RefusingEndPoint();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(refusing.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));

        // NoFlush: an orderly FIN, not a reset.
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));

        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_connect_fail"));
        Assert.Equal(0, proxy.Counter("cluster.up.upstream_cx_connect_timeout"));
        Assert.Equal(1, proxy.Counter("tcp.in.downstream_cx_no_route"));
        Assert.Equal(0, proxy.Counter("tcp.in.upstream_connect_attempts_exceeded"));
        await proxy.GaugeReachesAsync("listener.in.downstream_cx_active", 0);
        Assert.Equal(0, proxy.Gauge("cluster.up.upstream_cx_active"));
    }

    [Fact]
    public async Task RefusedUpstreamIsTriedMaxConnectAttemptsTimes()
    {
        using var refusing = new RefusingEndPoint();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(refusing.EndPoint, tcpProxy: "max_connect_attempts: 3"));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));

        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));

        Assert.Equal(3, proxy.Counter("cluster.up.upstream_cx_total"));
        Assert.Equal(3, proxy.Counter("cluster.up.upstream_cx_connect_fail"));
        Assert.Equal(1, proxy.Counter("tcp.in.upstream_connect_attempts_exceeded"));
        Assert.Equal(1, proxy.Counter("tcp.in.downstream_cx_no_route"));
    }

    [Fact]
    public async Task UnansweredUpstreamTimesOutAfterConnectTimeout()
    {
        using var unanswered = await UnansweredEndPoint.CreateAsync();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(unanswered.EndPoint, clusterFields: "connect_timeout: 0.2s"));
        var elapsed = Stopwatch.StartNew();
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));

        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync(Promptly));

        // Not before the timeout (a refusal would be immediate), and long before the kernel's SYN retries give up.
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(150), $"closed after {elapsed.Elapsed.TotalMilliseconds:0} ms, before the connect timeout");
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_connect_timeout"));
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_connect_fail"));
        Assert.Equal(1, proxy.Counter("tcp.in.downstream_cx_no_route"));
        Assert.Equal(0, proxy.Gauge("cluster.up.upstream_cx_active"));
    }

    [Fact]
    public async Task CircuitBreakerClosesConnectionsBeyondMaxConnections()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint,
            clusterFields: "circuit_breakers: { thresholds: [ { max_connections: 1 } ] }"));
        var address = proxy.Listener(TcpProxyYaml.Listener);

        using var first = await SocketTestExtensions.ConnectAsync(address);
        await first.AssertEchoesAsync(1);
        Assert.Equal(1, proxy.Gauge("cluster.up.circuit_breakers.default.cx_open"));

        using (var second = await SocketTestExtensions.ConnectAsync(address))
        {
            Assert.Equal(PeerClose.EndOfStream, await second.WaitForCloseAsync(Promptly));
        }
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_overflow"));
        Assert.Equal(1, echo.AcceptedConnections);
        await first.AssertEchoesAsync(2);

        // Closing the first connection gives its slot back.
        first.Dispose();
        await proxy.GaugeReachesAsync("cluster.up.upstream_cx_active", 0);
        Assert.Equal(0, proxy.Gauge("cluster.up.circuit_breakers.default.cx_open"));
        using var third = await SocketTestExtensions.ConnectAsync(address);
        await third.AssertEchoesAsync(3);
        Assert.Equal(1, proxy.Counter("cluster.up.upstream_cx_overflow"));
    }
}
