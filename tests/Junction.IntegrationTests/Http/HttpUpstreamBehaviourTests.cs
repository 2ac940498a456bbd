using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>How the proxy treats upstreams that close, answer in HTTP/1.0, or close idle connections.</summary>
[Collection("Http")]
public sealed class HttpUpstreamBehaviourTests
{
    /// <summary>
    /// A scripted upstream: answers each request with the given raw response, then closes the connection
    /// when <paramref name="closeAfterResponse"/> is set. Counts the connections it accepted.
    /// </summary>
    private sealed class RawHttpUpstream : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _loop;
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        private readonly int _dropRequestNumber;

        /// <param name="dropRequestNumber">When positive, the Nth request on every connection gets no
        /// answer: the upstream closes the connection instead (an upstream closing an idle keep-alive
        /// connection just as a request arrives).</param>
        public RawHttpUpstream(string response, bool closeAfterResponse, int dropRequestNumber = 0)
        {
            _dropRequestNumber = dropRequestNumber;
            _listener.Start();
            _loop = AcceptAsync(response, closeAfterResponse);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync(string response, bool close)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                Interlocked.Increment(ref _connections);
                _ = ServeAsync(client, response, close);
            }
        }

        private async Task ServeAsync(TcpClient client, string response, bool close)
        {
            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var pending = new StringBuilder();
                var requests = 0;
                try
                {
                    while (true)
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) return;
                        pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                        while (pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                        {
                            pending.Remove(0, end + 4);
                            if (++requests == _dropRequestNumber) return;
                            await stream.WriteAsync(Encoding.Latin1.GetBytes(response), _stop.Token);
                            if (close) return;
                        }
                    }
                }
                catch (Exception)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _loop;
        }
    }

    [Fact]
    public async Task UpstreamThatClosesAfterEachResponseIsNeverReusedAndNeverCauses503()
    {
        // Content-Length framing, but the upstream closes each connection right after answering: the
        // idle watcher must notice before the next request picks that connection.
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfterResponse: true);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(20, upstream.Connections);
    }

    private static string WithClusterOptions(string yaml, string options) =>
        yaml.Replace("    connect_timeout: 1s\n", "    connect_timeout: 1s\n    typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, common_http_protocol_options: " + options + " } }\n", StringComparison.Ordinal);

    [Fact]
    public async Task MaxRequestsPerConnectionRetiresUpstreamConnections()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var yaml = WithClusterOptions(HttpProxyFixture.Config(new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" },
            new Dictionary<string, int> { ["web"] = upstream.Port }), "{ max_requests_per_connection: 2 }");
        Assert.Contains("max_requests_per_connection", yaml);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(3, upstream.Connections);
    }

    [Fact]
    public async Task IdlePooledConnectionIsClosedAfterTheClustersIdleTimeout()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var yaml = WithClusterOptions(HttpProxyFixture.Config(new[] { "{ match: { prefix: \"/\" }, route: { cluster: web } }" },
            new Dictionary<string, int> { ["web"] = upstream.Port }), "{ idle_timeout: 0.2s }");
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        using (var first = await client.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.web.upstream_cx_active") == 0, "the idle upstream connection to be closed");
        using (var second = await client.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, upstream.Connections);
    }

    [Fact]
    public async Task IdleConnectionTheUpstreamClosedLeavesThePoolAtOnce()
    {
        // The upstream answers and closes: the pooled connection must be closed by the proxy as soon as
        // that FIN arrives, not linger in CLOSE_WAIT until some later request finds it.
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfterResponse: true);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var requests = Enumerable.Range(0, 8).Select(_ => client.GetAsync("/")).ToArray();
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.raw.upstream_cx_active") == 0, "every closed upstream connection to leave the pool");
    }

    [Fact]
    public async Task ReusedConnectionClosedUnderARequestIsRetriedOnceOnAFreshOne()
    {
        // Every connection answers its first request and silently closes on its second: the proxy
        // must not turn that race into a 503 for an idempotent request.
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfterResponse: false, dropRequestNumber: 2);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(2, proxy.Counter("cluster.raw.upstream_rq_retry"));
        Assert.Equal(3, upstream.Connections);
    }

    [Fact]
    public async Task RequestWithABodyIsNotRetriedWhenAReusedConnectionCloses()
    {
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfterResponse: false, dropRequestNumber: 2);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        using (var first = await client.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await client.PostAsync("/", new StringContent("payload"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(0, proxy.Counter("cluster.raw.upstream_rq_retry"));
    }

    [Fact]
    public async Task Http10UpstreamWithCloseDelimitedBodyIsRechunkedForTheClient()
    {
        await using var upstream = new RawHttpUpstream("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close", closeAfterResponse: true);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        // Both responses arrive on one client connection, each as chunks with a terminating last chunk.
        Assert.Equal(2, raw.Split("transfer-encoding: chunked\r\n").Length - 1);
        Assert.Equal(2, raw.Split("10\r\nbody until close\r\n0\r\n\r\n").Length - 1);
    }

    [Fact]
    public async Task ResponseThatIsNotValidHttpIs502()
    {
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", closeAfterResponse: true);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", raw);
    }

    [Fact]
    public async Task UpstreamResponseHeaderWithBareLfIs502()
    {
        await using var upstream = new RawHttpUpstream("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", closeAfterResponse: true);
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { cluster: raw } }" }, new Dictionary<string, int> { ["raw"] = upstream.Port }));
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", raw);
    }

    [Fact]
    public async Task WeightedClustersSplitWithinTolerance()
    {
        await using var stable = await KestrelUpstream.StartAsync("stable");
        await using var canary = await KestrelUpstream.StartAsync("canary");
        await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
            new[] { "{ match: { prefix: \"/\" }, route: { weighted_clusters: { clusters: [{ name: stable, weight: 95 }, { name: canary, weight: 5, request_headers_to_add: [{ header: { key: x-canary, value: \"true\" } }] }] } } }" },
            new Dictionary<string, int> { ["stable"] = stable.Port, ["canary"] = canary.Port }));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        var canaryHits = 0;
        const int total = 2000;
        for (var i = 0; i < total; i++)
        {
            using var response = await client.GetAsync("/headers/x");
            var body = await response.Content.ReadAsStringAsync();
            if (response.Headers.GetValues("x-upstream").Single() == "canary")
            {
                canaryHits++;
                Assert.Contains("x-canary: true\n", body);
            }
            else
            {
                Assert.DoesNotContain("x-canary", body);
            }
        }
        // Expected 100 of 2000; the standard deviation is under 10, so 50..150 is a 5-sigma band.
        Assert.InRange(canaryHits, 50, 150);
    }
}
