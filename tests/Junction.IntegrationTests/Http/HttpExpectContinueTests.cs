using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

[Collection("Http")]
public sealed class HttpExpectContinueTests
{
    [Fact]
    public async Task ProxyAnswers100ContinueBeforeTheBodyIsSent()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" }, new Dictionary<string, int> { ["web"] = upstream.Port }));
        using var socket = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.Listener("http"));
        await socket.SendAsync(Encoding.ASCII.GetBytes("POST /sha256 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));

        // The interim response must arrive while the client still holds its body back.
        var interim = await ReadUntilAsync(socket, "\r\n\r\n");
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", interim);

        await socket.SendAsync(Encoding.ASCII.GetBytes("hello"));
        var response = await ReadUntilAsync(socket, "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.EndsWith("5 2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", response);
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string terminator)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var text = new StringBuilder();
        var buffer = new byte[1];
        while (!text.ToString().EndsWith(terminator, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0) break;
            text.Append((char)buffer[0]);
        }
        return text.ToString();
    }
}
