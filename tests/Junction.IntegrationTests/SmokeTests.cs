using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests;

public sealed class SmokeTests
{
    [Fact]
    public async Task TcpProxyEchoesThroughInProcessProxy()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync($$"""
            static_resources:
              listeners:
              - name: in
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
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
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{echo.Port}} } } }
            """);
        using var client = new TcpClient();
        await client.ConnectAsync(proxy.Listener("in"));
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("ping"));
        var buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer));
        Assert.Equal(1, proxy.Counter("cluster.echo.upstream_cx_total"));
    }
}
