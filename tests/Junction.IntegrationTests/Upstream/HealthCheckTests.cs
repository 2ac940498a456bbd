using System.Net;
using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Upstream;

/// <summary>Active health checks through the real proxy: hosts leave and rejoin the load balancer as their probes say.</summary>
public sealed class HealthCheckTests
{
    private static async Task<string[]> UpstreamsOfAsync(HttpClient client, int requests)
    {
        var names = new string[requests];
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync($"/r/{i}");
            names[i] = response.StatusCode == HttpStatusCode.OK ? response.Headers.GetValues("x-upstream").Single() : ((int)response.StatusCode).ToString();
        }
        return names;
    }

    private static HttpClient ClientFor(InProcessProxy proxy) => new() { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

    [Fact]
    public async Task AHostAnswering503LeavesTheBalancerAndReturnsWhenHealthyAgain()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint, b.EndPoint], UpstreamYaml.HttpHealthCheck()));
        using var client = ClientFor(proxy);

        // Warm-up waited for the first probes, so both hosts are healthy before the listener opened.
        Assert.Equal(2, proxy.Gauge("cluster.web.health_check.healthy"));
        Assert.Equal(2, proxy.Gauge("cluster.web.membership_healthy"));

        a.HealthStatus = 503;
        await proxy.GaugeReachesAsync("cluster.web.health_check.healthy", 1);
        Assert.True(proxy.Counter("cluster.web.health_check.failure") >= 1);
        Assert.All(await UpstreamsOfAsync(client, 12), name => Assert.Equal("b", name));

        a.HealthStatus = 200;
        await proxy.GaugeReachesAsync("cluster.web.health_check.healthy", 2);
        var names = await UpstreamsOfAsync(client, 12);
        Assert.Equal(6, names.Count(n => n == "a"));
        Assert.Equal(0, proxy.Counter("cluster.web.lb_healthy_panic"));
        // Every finished probe was counted as an attempt first.
        var finished = proxy.Counter("cluster.web.health_check.success") + proxy.Counter("cluster.web.health_check.failure");
        Assert.True(proxy.Counter("cluster.web.health_check.attempt") >= finished);
    }

    [Fact]
    public async Task AHostFailingItsFirstProbeNeverGetsTraffic()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        a.HealthStatus = 500;
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint, b.EndPoint], UpstreamYaml.HttpHealthCheck()));
        using var client = ClientFor(proxy);

        Assert.Equal(1, proxy.Gauge("cluster.web.health_check.healthy"));
        Assert.All(await UpstreamsOfAsync(client, 8), name => Assert.Equal("b", name));
        Assert.Equal(0, a.Requests - a.HealthRequests);
    }

    [Fact]
    public async Task BelowThePanicThresholdEveryHostGetsTrafficAndPanicIsCounted()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        a.HealthStatus = 503;
        // One of two healthy is 50%, below a threshold of 60: the balancer ignores health.
        var cluster = UpstreamYaml.HttpHealthCheck() + "    common_lb_config: { healthy_panic_threshold: { value: 60 } }\n";
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint, b.EndPoint], cluster));
        using var client = ClientFor(proxy);

        Assert.Equal(1, proxy.Gauge("cluster.web.health_check.healthy"));
        var names = await UpstreamsOfAsync(client, 10);
        Assert.Equal(5, names.Count(n => n == "a"));
        Assert.Equal(10, proxy.Counter("cluster.web.lb_healthy_panic"));
    }

    [Fact]
    public async Task WithPanicDisabledNoHealthyHostMeans503()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        a.HealthStatus = 503;
        var cluster = UpstreamYaml.HttpHealthCheck() + "    common_lb_config: { healthy_panic_threshold: { value: 0 } }\n";
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint], cluster));
        using var client = ClientFor(proxy);

        Assert.Equal(["503", "503"], await UpstreamsOfAsync(client, 2));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_cx_none_healthy"));
        Assert.Equal(0, a.Requests - a.HealthRequests);
    }

    [Fact]
    public async Task NetworkFailuresEjectOnlyAfterTheUnhealthyThreshold()
    {
        // A TCP check expecting "pong" from a responder the test can silence: a silent host times out,
        // which is a network failure, so it takes unhealthy_threshold (3) in a row to eject it.
        await using var responder = new PingResponder();
        var cluster = """
                health_checks:
                - timeout: 0.2s
                  interval: 0.05s
                  no_traffic_interval: 0.05s
                  unhealthy_threshold: 3
                  healthy_threshold: 2
                  tcp_health_check: { send: { text: "70696e67" }, receive: [{ text: "706f" }, { text: "6e67" }] }

            """;
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([responder.EndPoint], cluster));
        Assert.Equal(1, proxy.Gauge("cluster.web.health_check.healthy"));
        Assert.Equal(0, proxy.Counter("cluster.web.health_check.failure"));

        responder.Silent = true;
        await proxy.GaugeReachesAsync("cluster.web.health_check.healthy", 0);
        // Each silent probe failed by timeout; the third in a row ejected the host.
        Assert.True(proxy.Counter("cluster.web.health_check.network_failure") >= 3);
        Assert.Equal(proxy.Counter("cluster.web.health_check.network_failure"), proxy.Counter("cluster.web.health_check.failure"));

        responder.Silent = false;
        await proxy.GaugeReachesAsync("cluster.web.health_check.healthy", 1);
    }

    [Fact]
    public async Task AConnectOnlyTcpCheckFailsWhenTheHostRefuses()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var refused = (IPEndPoint)listener.LocalEndPoint!;
        // Bound but not listening: connects are refused.
        await using var b = await KestrelUpstream.StartAsync("b");
        var cluster = """
                health_checks:
                - { timeout: 1s, interval: 0.05s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }

            """;
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([refused, b.EndPoint], cluster));
        Assert.Equal(1, proxy.Gauge("cluster.web.health_check.healthy"));
        Assert.True(proxy.Counter("cluster.web.health_check.network_failure") >= 1);
    }

    [Fact]
    public async Task AClusterWithoutTrafficIsProbedAtNoTrafficIntervalUntilItsFirstRequest()
    {
        await using var quiet = await KestrelUpstream.StartAsync("quiet");
        await using var clock = await KestrelUpstream.StartAsync("clock");
        // "web" keeps Envoy's default no_traffic_interval (60 s) with a 50 ms interval. "clock" is probed every
        // 50 ms whatever happens: its probe count shows time passing, so the test never sleeps.
        var web = "    health_checks:\n" +
            "    - { timeout: 1s, interval: 0.05s, unhealthy_threshold: 2, healthy_threshold: 2, http_health_check: { path: /health } }\n";
        var yaml = UpstreamYaml.Http([quiet.EndPoint], web) + $$"""
              - name: clock
                connect_timeout: 1s
                health_checks:
                - { timeout: 1s, interval: 0.05s, no_traffic_interval: 0.05s, unhealthy_threshold: 2, healthy_threshold: 2, http_health_check: { path: /health } }
                load_assignment:
                  cluster_name: clock
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{clock.Port}} } } } }] }]

            """;
        await using var proxy = await InProcessProxy.StartAsync(yaml);

        // Warm-up waited for the first probe of each host.
        Assert.Equal(1, quiet.HealthRequests);
        await Eventually.AssertAsync(() => clock.HealthRequests >= 20, "20 probes of the clock cluster (at least a second)", TimeSpan.FromSeconds(30));
        // web's second probe is a minute after its first; the margin of one covers nothing but a minute-long stall.
        Assert.True(quiet.HealthRequests <= 2, $"web was probed {quiet.HealthRequests} times before any traffic");
        Assert.True(proxy.Counter("cluster.web.health_check.attempt") <= 2);

        using var client = ClientFor(proxy);
        using (var response = await client.GetAsync("/first"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // The first connection switched web to its 50 ms interval at once, not a minute later.
        var before = quiet.HealthRequests;
        await Eventually.AssertAsync(() => quiet.HealthRequests >= before + 5, "five more probes of web once it had traffic");
    }

    /// <summary>Answers "pong" in two writes to every "ping", unless silenced (then it reads and says nothing).</summary>
    private sealed class PingResponder : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly Task _loop;
        private volatile bool _silent;

        public PingResponder()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
            _loop = AcceptLoopAsync();
        }

        public IPEndPoint EndPoint { get; }

        public bool Silent { get => _silent; set => _silent = value; }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _loop;
        }

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptAsync();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = AnswerAsync(socket);
            }
        }

        private async Task AnswerAsync(Socket socket)
        {
            using (socket)
            {
                try
                {
                    var buffer = new byte[64];
                    var length = 0;
                    while (length < 4)
                    {
                        var read = await socket.ReceiveAsync(buffer.AsMemory(length));
                        if (read == 0) return;
                        length += read;
                    }
                    if (Silent)
                    {
                        // Hold the connection until the prober gives up and closes it.
                        while (await socket.ReceiveAsync(buffer) > 0)
                        {
                        }
                        return;
                    }
                    await socket.SendAsync("po"u8.ToArray());
                    await socket.SendAsync("ng"u8.ToArray());
                    while (await socket.ReceiveAsync(buffer) > 0)
                    {
                    }
                }
                catch (SocketException)
                {
                }
            }
        }
    }
}
