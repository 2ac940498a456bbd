using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests;

/// <summary>Listeners and upstreams on IPv6, and dual-mode listeners that take IPv4 too.</summary>
public sealed class ListenerAddressTests
{
    private static string Config(string listenerAddress, string extra, IPEndPoint upstream) => $$"""
        static_resources:
          listeners:
          - name: in
            address: { socket_address: { address: "{{listenerAddress}}", port_value: 0{{extra}} } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: in
                  cluster: echo
          clusters:
          - name: echo
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: "{{upstream.Address}}", port_value: {{upstream.Port}} } } }
        """;

    [Fact]
    public async Task ASecondProxyCannotBindAPortTheFirstListensOn()
    {
        await using var echo = new TcpEchoServer();
        await using var first = await InProcessProxy.StartAsync(Config("127.0.0.1", "", echo.EndPoint));
        var port = first.Listener("in").Port;

        // Two proxies on one port would each get part of its connections: the second must refuse to start.
        var clash = Config("127.0.0.1", "", echo.EndPoint).Replace("port_value: 0", $"port_value: {port}", StringComparison.Ordinal);
        var failure = await Assert.ThrowsAsync<Junction.Core.Listeners.ListenerBindException>(async () => await (await InProcessProxy.StartAsync(clash)).DisposeAsync());
        Assert.Contains("in", failure.Message, StringComparison.Ordinal);
        await AssertEchoAsync(first.Listener("in"));
    }

    private static async Task AssertEchoAsync(IPEndPoint target)
    {
        using var client = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(target);
        await client.SendAsync(Encoding.ASCII.GetBytes("over v6"));
        var buffer = new byte[7];
        var read = 0;
        while (read < buffer.Length) read += await client.ReceiveAsync(buffer.AsMemory(read));
        Assert.Equal("over v6", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public async Task ProxiesBetweenIpv6ListenerAndIpv6Upstream()
    {
        await using var echo = new TcpEchoServer(IPAddress.IPv6Loopback);
        await using var proxy = await InProcessProxy.StartAsync(Config("::1", "", echo.EndPoint));
        var listener = proxy.Listener("in");
        Assert.Equal(AddressFamily.InterNetworkV6, listener.AddressFamily);
        await AssertEchoAsync(listener);
    }

    [Fact]
    public async Task Ipv4CompatListenerOnTheIpv6WildcardAcceptsIpv4Clients()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(Config("::", ", ipv4_compat: true", echo.EndPoint));
        await AssertEchoAsync(new IPEndPoint(IPAddress.Loopback, proxy.Listener("in").Port));
    }

    [Fact]
    public async Task Ipv6WildcardWithoutIpv4CompatRefusesIpv4Clients()
    {
        await using var echo = new TcpEchoServer();
        for (var attempt = 0; ; attempt++)
        {
            await using var proxy = await InProcessProxy.StartAsync(Config("::", "", echo.EndPoint));
            var port = proxy.Listener("in").Port;
            // An IPv6-only socket leaves the same port number free for IPv4, where another test could
            // be listening. Holding an IPv4 bind (without listening) on it makes a refusal the only
            // possible answer that can come from anything but the proxy.
            using var reservation = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                reservation.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException) when (attempt < 5)
            {
                continue;
            }
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var error = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)));
            Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
            return;
        }
    }
}
