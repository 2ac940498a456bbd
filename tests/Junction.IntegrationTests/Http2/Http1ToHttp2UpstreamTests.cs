using System.Security.Cryptography;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpPeers;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>HTTP/1.1 clients to a cluster that speaks only HTTP/2: the proxy translates both ways.</summary>
[Collection("Http")]
public sealed class Http1ToHttp2UpstreamTests
{
    private const string Http2Cluster =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    private static async Task<(GrpcWireUpstream Upstream, InProcessProxy Proxy)> StartAsync()
    {
        var upstream = await GrpcWireUpstream.StartAsync();
        var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: h2 } }"],
            new Dictionary<string, int> { ["h2"] = upstream.EndPoint.Port }, "codec_type: HTTP1", clusterFields: Http2Cluster));
        return (upstream, proxy);
    }

    [Fact]
    public async Task AnHttp11RequestReachesTheUpstreamOverHttp2()
    {
        var (upstream, proxy) = await StartAsync();
        await using var _ = upstream;
        await using var __ = proxy;

        var body = await PeerTools.CurlAsync("-sS", "-H", "x-custom: yes", $"http://127.0.0.1:{proxy.Listener("http").Port}/echo/a?b=c");
        Assert.StartsWith("HTTP/2 GET /echo/a?b=c\n", body);
        Assert.Contains("x-custom: yes\n", body);
        Assert.Contains("x-forwarded-proto: http\n", body);
        Assert.Contains("host: 127.0.0.1:", body);
    }

    [Theory]
    [InlineData("HTTP1", "--http1.1")]
    [InlineData("HTTP2", "--http2-prior-knowledge")]
    public async Task TheAccessLogNamesTheUpstreamConnectionsLocalAddress(string codec, string curlProtocol)
    {
        await using var upstream = await GrpcWireUpstream.StartAsync();
        var log = Path.Combine(Path.GetTempPath(), $"junction-h2-upstream-{Guid.NewGuid():N}.log");
        try
        {
            await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: h2 } }"],
                new Dictionary<string, int> { ["h2"] = upstream.EndPoint.Port }, "codec_type: " + codec, clusterFields: Http2Cluster,
                accessLogPath: log, accessLogFormat: "%UPSTREAM_LOCAL_ADDRESS% %UPSTREAM_HOST%"));

            await PeerTools.CurlAsync("-sS", curlProtocol, $"http://127.0.0.1:{proxy.Listener("http").Port}/echo/a");

            await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
            var fields = File.ReadAllLines(log)[0].Split(' ');
            Assert.Matches(@"^127\.0\.0\.1:[1-9][0-9]*$", fields[0]);
            Assert.NotEqual($"127.0.0.1:{upstream.EndPoint.Port}", fields[0]);
            Assert.Equal($"127.0.0.1:{upstream.EndPoint.Port}", fields[1]);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task BodiesWithEitherFramingArriveIntact()
    {
        var (upstream, proxy) = await StartAsync();
        await using var _ = upstream;
        await using var __ = proxy;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var payload = SeededData.Bytes(9, 3_000_000);
        var expected = $"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}";

        using var sized = await client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal(expected, await sized.Content.ReadAsStringAsync());
        using var chunked = await client.PostAsync("/sha256", new StreamContent(new MemoryStream(payload)));
        Assert.Equal(expected, await chunked.Content.ReadAsStringAsync());
        // Many requests on one client connection: the exchange state resets between them.
        for (var i = 0; i < 20; i++) Assert.StartsWith("HTTP/2 GET /echo/" + i, await client.GetStringAsync("/echo/" + i));
    }

    [Fact]
    public async Task UpstreamTrailersReachAChunkedHttp11Response()
    {
        var (upstream, proxy) = await StartAsync();
        await using var _ = upstream;
        await using var __ = proxy;
        var frame = GrpcWire.Frame("hi");
        var request = "POST /test.Echo/Unary HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc\r\nTE: trailers\r\n" +
            $"Content-Length: {frame.Length}\r\nConnection: close\r\n\r\n" + System.Text.Encoding.Latin1.GetString(frame);

        var response = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), request, halfClose: false);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("transfer-encoding: chunked", response);
        Assert.Contains("echo: hi", response);
        Assert.EndsWith("0\r\ngrpc-status: 0\r\n\r\n", response);
    }
}
