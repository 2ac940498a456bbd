using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// Requests whose framing could be read two ways, or that break HTTP/1.1's syntax or the limits, are
/// answered by the proxy with the right status and never reach the upstream.
/// </summary>
[Collection("Http")]
public sealed class HttpRejectionTests
{
    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-Space : a\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\nHost: x\n\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505)]
    [InlineData("GET / HTTP/1.1\r\nX: y\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)]
    public async Task UnsafeRequestIsRejectedAndNeverForwarded(string request, int status)
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" }, new Dictionary<string, int> { ["web"] = upstream.Port }));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), request);
        Assert.StartsWith($"HTTP/1.1 {status} ", raw);
        Assert.Contains("connection: close\r\n", raw);
        Assert.Equal(0, upstream.Requests);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_cx_protocol_error"));
    }

    [Fact]
    public async Task OversizeHeadersAre431()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" }, new Dictionary<string, int> { ["web"] = upstream.Port },
            "max_request_headers_kb: 1"));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), $"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 2000)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", raw);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task TooManyHeadersAre431()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" }, new Dictionary<string, int> { ["web"] = upstream.Port },
            "common_http_protocol_options: { max_headers_count: 5 }"));
        var headers = string.Concat(Enumerable.Range(0, 10).Select(i => $"X-H{i}: v\r\n"));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), $"GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", raw);
        Assert.Equal(0, upstream.Requests);
    }
}
