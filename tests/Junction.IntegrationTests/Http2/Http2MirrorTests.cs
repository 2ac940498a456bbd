using System.Net;
using System.Security.Cryptography;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// request_mirror_policies with HTTP/2 on either side: HTTP/2 clients are mirrored too, and mirror
/// clusters that speak HTTP/2 get their shadow as a stream; each shadow carries the request's body.
/// </summary>
[Collection("Http")]
public sealed class Http2MirrorTests
{
    private const string Http2Options =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    private static string Yaml(int primary, bool primaryHttp2, int mirror, bool mirrorHttp2) => $$"""
        static_resources:
          listeners:
          - name: http
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  codec_type: AUTO
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route: { cluster: primary, timeout: 30s, request_mirror_policies: [{ cluster: mirror }] }
          clusters:
          - name: primary
            connect_timeout: 1s
            {{(primaryHttp2 ? Http2Options : "")}}
            load_assignment:
              cluster_name: primary
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{primary}} } } } }] }]
          - name: mirror
            connect_timeout: 1s
            {{(mirrorHttp2 ? Http2Options : "")}}
            load_assignment:
              cluster_name: mirror
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{mirror}} } } } }] }]
        """;

    [Fact]
    public async Task AnHttp2RequestIsMirroredWithItsBodyToAnHttp11Mirror()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = new ScriptedHttpUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.Port, false, mirror.Port, false));
        using var client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");
        var body = SeededData.Bytes(seed: 7, length: 300_000);
        var checksum = Convert.ToHexString(SHA256.HashData(body));

        // Sent without a length: the shadow gets one, since the whole body is in hand when it goes.
        using var response = await client.PostAsync("/sha256", new StreamContent(new NonSeekableStream(body)));
        Assert.Equal($"300000 {checksum}", await response.Content.ReadAsStringAsync());
        using var get = await client.GetAsync("/plain");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);

        await Eventually.AssertAsync(() => mirror.Received.Count == 2, "both shadows arrived");
        var post = mirror.Received.Single(r => r.Method == "POST");
        Assert.Equal(checksum, post.BodySha256);
        Assert.Equal("300000", post.Header("content-length"));
        Assert.EndsWith("-shadow:" + proxy.Listener("http").Port, post.Header("host"));
        Assert.Equal("/plain", mirror.Received.Single(r => r.Method == "GET").Target);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task AMirrorClusterThatSpeaksHttp2GetsTheShadowAsAStream(bool http2Client, bool http2Primary)
    {
        await using var mirror = await GrpcWireUpstream.StartAsync();
        await using var primaryH2 = await GrpcWireUpstream.StartAsync();
        // Both primaries read the whole body before they answer: a primary that answers first ends the
        // request early, and a request whose body never completes is not mirrored.
        await using var primaryH1 = new ScriptedHttpUpstream();
        var primaryPort = http2Primary ? primaryH2.EndPoint.Port : primaryH1.Port;
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primaryPort, http2Primary, mirror.EndPoint.Port, true));
        var url = $"http://127.0.0.1:{proxy.Listener("http").Port}";
        using var client = http2Client ? Http2ProxyTests.Rig.Http2Client(url) : new HttpClient { BaseAddress = new Uri(url) };
        var body = SeededData.Bytes(seed: 9, length: 200_000);
        var checksum = Convert.ToHexString(SHA256.HashData(body));

        using var response = await client.PostAsync("/flaky/shadowed", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var get = await client.GetAsync("/flaky/plain");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);

        // An attempt counts as the shadow arrives; its body is recorded once the mirror has read it all.
        await Eventually.AssertAsync(() => mirror.LastBody("shadowed").Sha256 is not null && mirror.LastBody("plain").Sha256 is not null, "both shadows read");
        Assert.Equal(1, mirror.Attempts("shadowed"));
        Assert.Equal(1, mirror.Attempts("plain"));
        var shadow = mirror.LastBody("shadowed");
        Assert.Equal(200_000, shadow.Length);
        Assert.Equal(checksum, shadow.Sha256);
        Assert.EndsWith("-shadow:" + proxy.Listener("http").Port, shadow.Host);
        if (http2Primary) Assert.Equal(checksum, primaryH2.LastBody("shadowed").Sha256);
        else Assert.Equal(checksum, primaryH1.Received.Single(r => r.Method == "POST").BodySha256);
        await proxy.CounterReachesAsync("cluster.mirror.upstream_rq_2xx", 2);
    }

    /// <summary>A stream of unknown length, so HttpClient sends it without content-length.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
