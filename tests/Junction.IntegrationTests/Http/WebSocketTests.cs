using System.Net;
using System.Net.WebSockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

[Collection("Http")]
public sealed class WebSocketTests
{
    [Fact]
    public async Task WebSocketEchoesThroughTheProxyWhenUpgradesAreConfigured()
    {
        await using var upstream = await KestrelUpstream.StartAsync("ws");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: ws } }" }, new Dictionary<string, int> { ["ws"] = upstream.Port },
            "upgrade_configs: [{ upgrade_type: websocket }]"));
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Listener("http").Port}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        for (var i = 0; i < 5; i++)
        {
            var message = Encoding.UTF8.GetBytes($"message {i}");
            await client.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
            var received = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal($"message {i}", Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, client.State);
        await Eventually.AssertAsync(() => proxy.Gauge("http.ingress.downstream_rq_active") == 0, "the tunnel to end");
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_rq_1xx"));
    }

    [Fact]
    public async Task WithoutUpgradeConfigTheUpgradeHeaderIsNotForwarded()
    {
        await using var upstream = await KestrelUpstream.StartAsync("ws");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: ws } }" }, new Dictionary<string, int> { ["ws"] = upstream.Port }));
        using var client = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() =>
            client.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Listener("http").Port}/ws"), CancellationToken.None));
        // The upstream saw a plain GET and said so; the proxy stayed in HTTP framing.
        Assert.Contains("426", error.Message);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task RefusedUpgradeStaysInHttpFraming()
    {
        await using var upstream = await KestrelUpstream.StartAsync("ws");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: ws } }" }, new Dictionary<string, int> { ["ws"] = upstream.Port },
            "upgrade_configs: [{ upgrade_type: websocket }]"));
        // An upgrade request to a path that answers 200: the response is relayed as HTTP and the same
        // connection then carries a second, ordinary request.
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"),
            "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Contains("hello from /plain", raw);
        Assert.Contains("hello from /second", raw);
        Assert.DoesNotContain("101", raw.Split("\r\n")[0]);
    }
}
