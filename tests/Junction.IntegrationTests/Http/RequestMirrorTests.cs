using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>request_mirror_policies: a shadow copy goes to the mirror cluster, and the primary never waits for it.</summary>
public sealed class RequestMirrorTests
{
    private static string Yaml(IPEndPoint primary, IPEndPoint mirror, string fraction = "", int bufferLimit = 1024 * 1024) => $$"""
        static_resources:
          listeners:
          - name: http
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            per_connection_buffer_limit_bytes: {{bufferLimit}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route:
                          cluster: primary
                          timeout: 30s
                          request_mirror_policies: [{ cluster: mirror{{fraction}} }]
          clusters:
          - name: primary
            connect_timeout: 1s
            load_assignment:
              cluster_name: primary
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{primary.Port}} } } } }] }]
          - name: mirror
            connect_timeout: 1s
            load_assignment:
              cluster_name: mirror
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{mirror.Port}} } } } }] }]
        """;

    [Fact]
    public async Task TheMirrorGetsAShadowWhileThePrimaryAnswers()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = await KestrelUpstream.StartAsync("mirror");
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        using var response = await client.GetAsync("/hello");
        Assert.Equal("primary", response.Headers.GetValues("x-upstream").Single());
        Assert.Equal("hello from /hello", await response.Content.ReadAsStringAsync());
        await proxy.CounterReachesAsync("cluster.mirror.upstream_rq_2xx", 1);
        Assert.Equal(1, mirror.Requests);
        Assert.Equal(1, proxy.Counter("cluster.mirror.upstream_rq_total"));
        Assert.Equal(1, proxy.Counter("cluster.primary.upstream_rq_total"));
    }

    [Fact]
    public async Task APostReachesTheMirrorWithTheSameBodyBytesAndTheShadowHost()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var body = SeededData.Bytes(seed: 7, length: 300_000);
        var checksum = Convert.ToHexString(SHA256.HashData(body));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/sha256") { Content = new ByteArrayContent(body) };
        request.Headers.Host = "shop.example";
        using var response = await client.SendAsync(request);
        Assert.Equal($"300000 {checksum}", await response.Content.ReadAsStringAsync());

        using var shadow = await mirror.AcceptAsync();
        var (head, shadowBody) = await ReadRequestAsync(shadow);
        Assert.StartsWith("POST /sha256 HTTP/1.1\r\n", head);
        Assert.Contains("\r\nhost: shop.example-shadow\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(checksum, Convert.ToHexString(SHA256.HashData(shadowBody)));
        Assert.Equal(0, proxy.Counter("cluster.primary.retry_or_shadow_abandoned"));
    }

    [Fact]
    public async Task AChunkedPostIsMirroredWithItsFraming()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = await KestrelUpstream.StartAsync("mirror");
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var body = SeededData.Bytes(seed: 8, length: 100_000);

        // No length: HttpClient sends it chunked, and the shadow carries the same chunks.
        using var response = await client.PostAsync("/sha256", new StreamContent(new MemoryStream(body)));
        Assert.Equal($"100000 {Convert.ToHexString(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync());
        // Kestrel answered the shadow 200 only after reading a well-framed body to its end.
        await proxy.CounterReachesAsync("cluster.mirror.upstream_rq_2xx", 1);
        Assert.Equal((1, 1), (primary.Requests, mirror.Requests));
    }

    [Fact]
    public async Task AMirrorThatNeverReadsDoesNotDelayThePrimary()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        // The mirror accepts and reads nothing: its socket buffers fill, and the shadow waits out its 30 s
        // route timeout. Every primary answer still comes at once (the deadline only stops a hung test).
        for (var i = 0; i < 3; i++)
        {
            var body = SeededData.Bytes(seed: 20 + i, length: 900_000);
            using var response = await client.PostAsync("/sha256", new ByteArrayContent(body)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal($"900000 {Convert.ToHexString(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync());
            using var shadow = await mirror.AcceptAsync();
        }
        Assert.Equal(3, proxy.Counter("cluster.mirror.upstream_rq_total"));
    }

    [Fact]
    public async Task AMirrorThatIsDownDoesNotChangeThePrimaryResponse()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        using var mirror = new RefusingEndPoint();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var body = SeededData.Bytes(seed: 9, length: 50_000);

        using var response = await client.PostAsync("/sha256", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("primary", response.Headers.GetValues("x-upstream").Single());
        Assert.Equal($"50000 {Convert.ToHexString(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync());
        await proxy.CounterReachesAsync("cluster.mirror.upstream_cx_connect_fail", 1);
        Assert.Equal(0, proxy.Counter("cluster.primary.retry_or_shadow_abandoned"));
    }

    [Fact]
    public async Task ABodyOverTheBufferLimitIsNotMirroredAndIsCounted()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = await KestrelUpstream.StartAsync("mirror");
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint, bufferLimit: 32 * 1024));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var body = SeededData.Bytes(seed: 10, length: 200_000);
        var expected = $"200000 {Convert.ToHexString(SHA256.HashData(body))}";

        // Known too long from its Content-Length, then found too long while streaming (chunked): the
        // primary gets every byte both times, the mirror nothing.
        using (var sized = await client.PostAsync("/sha256", new ByteArrayContent(body)))
        {
            Assert.Equal(expected, await sized.Content.ReadAsStringAsync());
        }
        using (var chunked = await client.PostAsync("/sha256", new StreamContent(new MemoryStream(body))))
        {
            Assert.Equal(expected, await chunked.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, proxy.Counter("cluster.primary.retry_or_shadow_abandoned"));
        // A bodyless request after them is still mirrored: the mirror was reachable all along.
        Assert.Equal("hello from /after", await client.GetStringAsync("/after"));
        await proxy.CounterReachesAsync("cluster.mirror.upstream_rq_2xx", 1);
        Assert.Equal(1, mirror.Requests);
    }

    [Fact]
    public async Task AMirrorThatNeverAnswersDoesNotDelayThePrimaryAndSeesTheShadowHost()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        // The mirror never answers (its timeout is the route's 30 s), yet the primary's answer arrives.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hello");
        request.Headers.Host = "shop.example:8080";
        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var shadow = await mirror.AcceptAsync();
        var head = await ReadHeadAsync(shadow);
        Assert.StartsWith("GET /hello HTTP/1.1\r\n", head);
        Assert.Contains("\r\nhost: shop.example-shadow:8080\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, proxy.Counter("cluster.mirror.upstream_rq_2xx"));
    }

    [Fact]
    public async Task AZeroFractionMirrorsNothing()
    {
        await using var primary = await KestrelUpstream.StartAsync("primary");
        await using var mirror = await KestrelUpstream.StartAsync("mirror");
        var fraction = ", runtime_fraction: { default_value: { numerator: 0, denominator: HUNDRED } }";
        await using var proxy = await InProcessProxy.StartAsync(Yaml(primary.EndPoint, mirror.EndPoint, fraction));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        for (var i = 0; i < 5; i++) Assert.Equal("hello from /", await client.GetStringAsync("/"));
        Assert.Equal(0, proxy.Counter("cluster.mirror.upstream_rq_total"));
    }

    /// <summary>Reads one request with a Content-Length body: its head as text, and the body bytes.</summary>
    private static async Task<(string Head, byte[] Body)> ReadRequestAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var headLength = -1;
        var total = -1;
        while (total < 0 || received.Length < total)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0) throw new IOException("the shadow request ended early");
            received.Write(buffer, 0, read);
            if (headLength >= 0) continue;
            var text = Encoding.ASCII.GetString(received.GetBuffer(), 0, (int)received.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            headLength = end + 4;
            var line = text[..end].Split("\r\n").Single(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
            total = headLength + int.Parse(line["content-length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        var all = received.ToArray();
        return (Encoding.ASCII.GetString(all, 0, headLength), all[headLength..total]);
    }

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var buffer = new byte[8192];
        var total = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, deadline.Token);
            if (read == 0) break;
            total += read;
            if (Encoding.ASCII.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal)) break;
        }
        return Encoding.ASCII.GetString(buffer, 0, total);
    }
}
