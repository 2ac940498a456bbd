using System.Diagnostics;
using System.Text.Json;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpPeers;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// gRPC through the proxy between two real gRPC implementations: gRPC's C core (Debian's
/// python3-grpcio, driven by <c>grpc_core_peer.py</c>) as both the client and the service, for all four
/// call types, metadata both ways, error statuses, large messages, concurrent calls and the proxy's own
/// gRPC-shaped replies. grpc-dotnet (Grpc.Net.Client, Grpc.AspNetCore) cannot be restored on these
/// machines, so this is the real client and server the tests use; GrpcProxyTests covers the same
/// calls with HttpClient and Kestrel.
/// </summary>
[Collection("Http")]
public sealed class GrpcCorePeerTests
{
    private const string Http2Cluster =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    [Fact]
    public async Task UnaryCallCarriesMetadataBothWaysAndTheTrailers()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("unary");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(["echo: hello"], Strings(result, "responses"));
        Assert.Equal("t-1", result.GetProperty("initial").GetProperty("x-echo-tag").GetString());
        Assert.Equal("grpc-core", result.GetProperty("trailing").GetProperty("x-served-by").GetString());
        await Eventually.AssertAsync(() => rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Unary.0") == 1, "the call's status counted");
    }

    [Fact]
    public async Task ClientStreamingCallDeliversEveryMessage()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("client-streaming");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(["50:" + string.Concat(Enumerable.Range(0, 50).Select(i => $"<{i}>"))], Strings(result, "responses"));
    }

    [Fact]
    public async Task ServerStreamingCallDeliversEveryMessageInOrder()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("server-streaming");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"message {i}"), Strings(result, "responses"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BidirectionalCallAnswersEachMessageBeforeTheNextIsSent(bool withHttpFilters)
    {
        // The client waits for each answer before sending the next message, so this only finishes if
        // the proxy streams both directions at once, through the filter chain as well as around it.
        var filters = withHttpFilters
            ? new[]
            {
                "{ name: envoy.filters.http.local_ratelimit, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit, stat_prefix: rl, " +
                    "token_bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: 1s }, filter_enabled: { default_value: { numerator: 100 } }, filter_enforced: { default_value: { numerator: 100 } } } }",
            }
            : [];
        await using var rig = await Rig.StartAsync(filters);
        var result = await rig.CallAsync("bidirectional");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(["re: one", "re: two", "re: three"], Strings(result, "responses"));
        Assert.Empty(Strings(result, "after_close"));
    }

    [Fact]
    public async Task AnErrorStatusKeepsItsCodeAndMessage()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("missing");

        Assert.Equal("NOT_FOUND", result.GetProperty("code").GetString());
        Assert.Equal("no such thing", result.GetProperty("details").GetString());
        await Eventually.AssertAsync(() => rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Missing.5") == 1, "the call's status counted");
        Assert.Equal(1, rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Missing.failure"));
    }

    [Fact]
    public async Task LargeMessagesArriveIntactBothWays()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("large");

        Assert.True(result.GetProperty("digest_matches").GetBoolean(), "the service saw the client's 3 MiB message unchanged");
        Assert.True(result.GetProperty("echo_matches").GetBoolean(), "the client got the service's 3 MiB message unchanged");
    }

    [Fact]
    public async Task AHundredConcurrentCallsOnOneChannelAllComplete()
    {
        await using var rig = await Rig.StartAsync();
        var result = await rig.CallAsync("concurrent");

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"echo: call {i}"), Strings(result, "responses"));
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_cx_total"));
    }

    [Fact]
    public async Task AnUnreachableServiceIsUnavailableToTheClient()
    {
        using var refusing = new RefusingEndPoint();
        var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: grpc } }"],
            new Dictionary<string, int> { ["grpc"] = refusing.EndPoint.Port }, "codec_type: AUTO", clusterFields: Http2Cluster);
        await using var proxy = await InProcessProxy.StartAsync(yaml);

        var result = await Rig.RunClientAsync(proxy, "unavailable");

        // The proxy's own reply, shaped as gRPC: the client reads a status, not an HTTP error.
        Assert.Equal("UNAVAILABLE", result.GetProperty("code").GetString());
        Assert.Contains("connection failure", result.GetProperty("details").GetString());
    }

    private static string[] Strings(JsonElement result, string property) =>
        result.GetProperty(property).EnumerateArray().Select(element => element.GetString()!).ToArray();

    /// <summary>The gRPC C core service behind the proxy, and a way to run the C core client against it.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private static readonly string s_script = Path.Combine(AppContext.BaseDirectory, "Http2", "grpc_core_peer.py");

        private readonly Process _service;

        private Rig(Process service, InProcessProxy proxy)
        {
            _service = service;
            Proxy = proxy;
        }

        public InProcessProxy Proxy { get; }

        public static async Task<Rig> StartAsync(IEnumerable<string>? httpFilters = null)
        {
            var service = Process.Start(PythonStartInfo("serve"))!;
            // Read all along, so that a chatty service never blocks on a full pipe.
            var errors = service.StandardError.ReadToEndAsync();
            InProcessProxy? proxy = null;
            try
            {
                var portLine = await service.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                if (!int.TryParse(portLine, out var port))
                {
                    service.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"the gRPC service did not start: {await errors}");
                }
                var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: grpc } }"],
                    new Dictionary<string, int> { ["grpc"] = port }, "codec_type: AUTO", clusterFields: Http2Cluster, httpFilters: httpFilters);
                proxy = await InProcessProxy.StartAsync(yaml);
                return new Rig(service, proxy);
            }
            catch
            {
                if (proxy is not null) await proxy.DisposeAsync();
                service.Kill(entireProcessTree: true);
                service.Dispose();
                throw;
            }
        }

        public Task<JsonElement> CallAsync(string scenario) => RunClientAsync(Proxy, scenario);

        /// <summary>Runs one scenario of the C core client against the proxy's listener and returns what it printed.</summary>
        public static async Task<JsonElement> RunClientAsync(InProcessProxy proxy, string scenario)
        {
            var target = $"127.0.0.1:{proxy.Listener("http").Port}";
            var (exitCode, stdout, stderr) = await PeerTools.RunAsync(Python(), ["-u", s_script, "call", target, scenario], TimeSpan.FromSeconds(60));
            Assert.True(exitCode == 0, $"the gRPC client ({scenario}) exited {exitCode}: {stderr}");
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            // Closing its standard input stops the service; a deadline guards against a stuck one.
            _service.StandardInput.Close();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _service.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _service.Kill(entireProcessTree: true);
            }
            _service.Dispose();
        }

        private static ProcessStartInfo PythonStartInfo(string mode)
        {
            var info = new ProcessStartInfo(Python())
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-u", s_script, mode }) info.ArgumentList.Add(argument);
            return info;
        }

        /// <summary>Debian's own python3, which has python3-grpcio (tests/install-deps.sh), not one earlier on PATH.</summary>
        private static string Python() => PeerTools.Find("python3");
    }
}
