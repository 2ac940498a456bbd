using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>envoy.filters.network.local_ratelimit in front of tcp_proxy: connections beyond the bucket are closed before they go upstream.</summary>
[Collection(TcpProxyCollection.Name)]
public sealed class NetworkLocalRateLimitTests
{
    private static string Bootstrap(int upstreamPort, string rateLimitFields) => $$"""
        static_resources:
          listeners:
          - name: in
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.local_ratelimit
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit, {{rateLimitFields}} }
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: in
                  cluster: up
          clusters:
          - name: up
            load_assignment: { endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{upstreamPort}} } } } } ] } ] }
        """;

    [Fact]
    public async Task ConnectionsBeyondTheBucketAreClosedAndCounted()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(Bootstrap(echo.Port,
            "stat_prefix: tcp_rl, token_bucket: { max_tokens: 2, tokens_per_fill: 2, fill_interval: 60s }"));
        var address = proxy.Listener("in");

        using var first = await SocketTestExtensions.ConnectAsync(address);
        await first.AssertEchoesAsync(1);
        using var second = await SocketTestExtensions.ConnectAsync(address);
        await second.AssertEchoesAsync(2);

        using (var third = await SocketTestExtensions.ConnectAsync(address))
        {
            // Closed at once, FIN or reset; never forwarded.
            await third.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(1, proxy.Counter("local_ratelimit.tcp_rl.rate_limited"));
        Assert.Equal(2, echo.AcceptedConnections);
        // The admitted connections are untouched.
        await first.AssertEchoesAsync(3);
        await second.AssertEchoesAsync(4);
    }

    [Fact]
    public async Task DisabledByRuntimeEnabledItLimitsNothing()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(Bootstrap(echo.Port,
            "stat_prefix: tcp_rl, runtime_enabled: { default_value: false, runtime_key: rl }, token_bucket: { max_tokens: 1, fill_interval: 60s }"));
        var address = proxy.Listener("in");

        for (byte i = 1; i <= 3; i++)
        {
            using var socket = await SocketTestExtensions.ConnectAsync(address);
            await socket.AssertEchoesAsync(i);
        }
        Assert.Equal(0, proxy.Counter("local_ratelimit.tcp_rl.rate_limited"));
    }

    [Theory]
    [InlineData("stat_prefix: tcp_rl", "missing required field 'token_bucket'")]
    [InlineData("token_bucket: { max_tokens: 1, fill_interval: 1s }", "missing required field 'stat_prefix'")]
    [InlineData("stat_prefix: tcp_rl, token_bucket: { max_tokens: 1, fill_interval: 1s }, share_key: k", "field 'share_key' is not supported")]
    public async Task BadConfigurationIsRejectedWithItsPosition(string fields, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessProxy.StartAsync(Bootstrap(1, fields)));
        Assert.Contains(message, error.Message);
        Assert.Matches(@"test\.yaml:\d+:\d+: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config", error.Message);
    }
}
