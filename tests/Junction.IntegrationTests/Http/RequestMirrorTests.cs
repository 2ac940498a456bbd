using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>request_mirror_policies: a shadow copy goes to the mirror cluster, and the primary never waits for it.</summary>
public sealed class RequestMirrorTests
{
    private static string Yaml(IPEndPoint primary, IPEndPoint mirror, string fraction = "") => $$"""
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

        // A request with a body is not mirrored (its body is streamed to the primary, never kept).
        using var post = await client.PostAsync("/sha256", new StringContent("abc"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(1, proxy.Counter("cluster.mirror.upstream_rq_total"));
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
