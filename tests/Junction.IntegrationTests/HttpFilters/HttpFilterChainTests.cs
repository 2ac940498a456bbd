using System.Net;
using System.Security.Cryptography;
using System.Text;
using Junction.HttpFilters;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>
/// The HTTP filter contract end to end: test filters in front of the router, a real Kestrel upstream,
/// HttpClient and raw sockets as clients.
/// </summary>
[Collection("Http")]
public sealed class HttpFilterChainTests
{
    private const string WebRoute = "{ match: { prefix: \"/\" }, route: { cluster: web } }";

    [Fact]
    public async Task DecodersRunInOrderAndEncodersInReverse()
    {
        static LambdaFilter Tagging(string tag) => new()
        {
            OnRequestHeaders = (_, headers, _) =>
            {
                headers.Set("x-order", (headers.Get("x-order") is { } before ? before + "," : "") + tag);
                return LambdaFilter.Continue;
            },
            OnResponseHeaders = (_, headers, _) =>
            {
                headers.Set("x-order", (headers.Get("x-order") is { } before ? before + "," : "") + tag);
                return LambdaFilter.Continue;
            },
        };
        await using var rig = await Rig.StartAsync(
            [new TestFilterFactory("test.a", () => Tagging("a")), new TestFilterFactory("test.b", () => Tagging("b"))],
            ["{ name: test.a }", "{ name: test.b }"]);

        using var response = await rig.Client.GetAsync("/headers/x");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("x-order: a,b\n", body);
        Assert.Equal("b,a", response.Headers.GetValues("x-order").Single());
    }

    [Fact]
    public async Task PerRouteConfigIsSeenOnTheMatchingRoute()
    {
        var filter = new TestFilterFactory("test.tag", () => new LambdaFilter
        {
            OnRequestHeaders = (self, headers, _) =>
            {
                headers.Set("x-route-value", self.Callbacks.RouteConfig<RouteValue>()?.Value ?? "none");
                headers.Set("x-route-name", self.Callbacks.RouteName ?? "unnamed");
                headers.Set("x-cluster", self.Callbacks.ClusterName ?? "none");
                return LambdaFilter.Continue;
            },
        }, perRoute: true);
        await using var rig = await Rig.StartAsync([filter], ["{ name: test.tag }"],
        [
            "{ name: special, match: { prefix: \"/headers/special\" }, route: { cluster: web }, typed_per_filter_config: { test.tag: { value: from-route } } }",
            WebRoute,
        ]);

        var special = await rig.Client.GetStringAsync("/headers/special");
        Assert.Contains("x-route-value: from-route\n", special);
        Assert.Contains("x-route-name: special\n", special);
        Assert.Contains("x-cluster: web\n", special);
        var other = await rig.Client.GetStringAsync("/headers/other");
        Assert.Contains("x-route-value: none\n", other);
        Assert.Contains("x-route-name: unnamed\n", other);
    }

    [Fact]
    public async Task LocalReplyFromADecoderNeverReachesTheUpstreamAndEncodersSeeIt()
    {
        var deny = new TestFilterFactory("test.deny", () => new LambdaFilter
        {
            OnRequestHeaders = (self, headers, _) =>
            {
                if (headers.Path.StartsWith("/denied", StringComparison.Ordinal))
                {
                    self.Callbacks.SendLocalReply(403, "no entry", "denied_by_test");
                    return LambdaFilter.Stop;
                }
                return LambdaFilter.Continue;
            },
            OnResponseHeaders = (_, headers, _) =>
            {
                headers.Set("x-seen-by-encoder", headers.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([deny], ["{ name: test.deny }"]);

        using var denied = await rig.Client.GetAsync("/denied/x");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("no entry", await denied.Content.ReadAsStringAsync());
        Assert.Equal("403", denied.Headers.GetValues("x-seen-by-encoder").Single());
        Assert.Equal(0, rig.Upstream.Requests);

        // The connection stays usable: the next request on it is proxied.
        using var allowed = await rig.Client.GetAsync("/fine");
        Assert.Equal("hello from /fine", await allowed.Content.ReadAsStringAsync());
        Assert.Equal("200", allowed.Headers.GetValues("x-seen-by-encoder").Single());
        Assert.Equal(1, rig.Upstream.Requests);
    }

    [Fact]
    public async Task StopIterationPausesTheRequestUntilTheFilterContinues()
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = new TestFilterFactory("test.hold", () => new LambdaFilter
        {
            OnRequestHeaders = (self, _, _) =>
            {
                // Continue later, from another thread, as a callback-style check would.
                _ = release.Task.ContinueWith(_ => self.Callbacks.ContinueDecoding(), TaskScheduler.Default);
                paused.TrySetResult();
                return LambdaFilter.Stop;
            },
        });
        await using var rig = await Rig.StartAsync([hold], ["{ name: test.hold }"]);

        var request = rig.Client.GetStringAsync("/held");
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, rig.Upstream.Requests);
        Assert.False(request.IsCompleted);
        release.SetResult();
        Assert.Equal("hello from /held", await request.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, rig.Upstream.Requests);
    }

    [Fact]
    public async Task AFilterThatAwaitsNeedsNoCallbacks()
    {
        var hold = new TestFilterFactory("test.await", () => new LambdaFilter
        {
            OnRequestHeaders = async (_, headers, _) =>
            {
                await Task.Yield();
                headers.Add("x-checked", "yes");
                return HttpFilterStatus.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([hold], ["{ name: test.await }"]);
        Assert.Contains("x-checked: yes\n", await rig.Client.GetStringAsync("/headers/a"));
    }

    [Fact]
    public async Task BufferFilterSendsAChunkedBodyUpstreamWithItsLength()
    {
        await using var rig = await Rig.StartAsync([], ["{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1048576 } }"]);
        var payload = SeededData.Bytes(7, 300_000);

        using var content = new StreamContent(new MemoryStream(payload));
        // No length: HttpClient sends it chunked.
        using var response = await rig.Client.PostAsync("/headers/upload", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("content-length: 300000\n", body);
        Assert.DoesNotContain("transfer-encoding", body);

        using var hashed = await rig.Client.PostAsync("/sha256", new StreamContent(new MemoryStream(payload)));
        Assert.Equal($"300000 {Convert.ToHexString(SHA256.HashData(payload))}", await hashed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BufferFilterAnswers413AboveItsLimitAndHonoursARouteThatDisablesIt()
    {
        await using var rig = await Rig.StartAsync([], ["{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1000 } }"],
        [
            "{ match: { prefix: \"/sha256\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.buffer: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute, disabled: true } } }",
            WebRoute,
        ]);
        var payload = SeededData.Bytes(3, 5000);

        using var tooBig = await rig.Client.PostAsync("/upload", new ByteArrayContent(payload));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal(0, rig.Upstream.Requests);

        using var unbuffered = await rig.Client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal($"5000 {Convert.ToHexString(SHA256.HashData(payload))}", await unbuffered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABodyBeyondTheListenerBufferLimitIs413AndCounted()
    {
        var hoard = new TestFilterFactory("test.hoard", () => new LambdaFilter
        {
            OnRequestHeaders = (_, _, _) => LambdaFilter.Buffer,
            OnRequestData = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
        });
        await using var rig = await Rig.StartAsync([hoard], ["{ name: test.hoard }"], listenerFields: "per_connection_buffer_limit_bytes: 65536");

        using var content = new StreamContent(new MemoryStream(SeededData.Bytes(1, 200_000)));
        using var response = await rig.Client.PostAsync("/upload", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_rq_too_large"));
        Assert.Equal(0, rig.Upstream.Requests);

        // Within the limit the same filter lets the whole body through.
        var small = SeededData.Bytes(2, 60_000);
        using var fine = await rig.Client.PostAsync("/sha256", new StreamContent(new MemoryStream(small)));
        Assert.Equal($"60000 {Convert.ToHexString(SHA256.HashData(small))}", await fine.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AStreamingDataFilterSeesEveryByteAndChangesNothing()
    {
        long seen = 0;
        var count = new TestFilterFactory("test.count", () => new LambdaFilter
        {
            OnRequestData = (_, body, _) =>
            {
                Interlocked.Add(ref seen, body.Length);
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([count], ["{ name: test.count }"]);
        var payload = SeededData.Bytes(11, 3_000_000);

        using var response = await rig.Client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal($"3000000 {Convert.ToHexString(SHA256.HashData(payload))}", await response.Content.ReadAsStringAsync());
        Assert.Equal(3_000_000, Interlocked.Read(ref seen));
    }

    [Fact]
    public async Task AnEncoderCanRewriteABufferedResponseBody()
    {
        var shout = new TestFilterFactory("test.shout", () => new LambdaFilter
        {
            OnResponseHeaders = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
            OnResponseData = (_, body, endOfStream) =>
            {
                if (!endOfStream) return LambdaFilter.Buffer;
                // ASCII upper case, byte by byte (the body may be binary), plus three bytes.
                var shouted = body.Span.ToArray().Select(b => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b).Concat("!!!"u8.ToArray()).ToArray();
                body.Replace(shouted);
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([shout], ["{ name: test.shout }"]);

        using var response = await rig.Client.GetAsync("/quiet");
        Assert.Equal("HELLO FROM /QUIET!!!", await response.Content.ReadAsStringAsync());
        Assert.Equal(20, response.Content.Headers.ContentLength);

        // A chunked upstream response, buffered whole, goes out with its length too.
        using var large = await rig.Client.GetAsync("/bytes/100000?chunked=1");
        Assert.Equal(100_003, (await large.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(100_003, large.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AResponseBeyondTheBufferLimitIs500AndCounted()
    {
        var hoard = new TestFilterFactory("test.hoard", () => new LambdaFilter
        {
            OnResponseHeaders = (_, _, _) => LambdaFilter.Buffer,
            OnResponseData = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
        });
        await using var rig = await Rig.StartAsync([hoard], ["{ name: test.hoard }"], listenerFields: "per_connection_buffer_limit_bytes: 65536");

        using var response = await rig.Client.GetAsync("/bytes/500000");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.rs_too_large"));
        using var fine = await rig.Client.GetAsync("/bytes/1000");
        Assert.Equal(1000, (await fine.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task AFilterThatThrowsFailsOnlyItsStreamWith500()
    {
        var faulty = new TestFilterFactory("test.faulty", () => new LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) => headers.Path == "/boom" ? throw new InvalidOperationException("bug") : LambdaFilter.Continue,
        });
        await using var rig = await Rig.StartAsync([faulty], ["{ name: test.faulty }"]);

        using var failed = await rig.Client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_rq_filter_error"));
        Assert.Equal("hello from /fine", await rig.Client.GetStringAsync("/fine"));
    }

    [Fact]
    public async Task AFilterCannotInjectALineOrSetFraming()
    {
        var errors = new List<string>();
        var sneaky = new TestFilterFactory("test.sneaky", () => new LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) =>
            {
                foreach (var attempt in new Action[]
                {
                    () => headers.Set("x-evil", "a\r\nx-injected: 1"),
                    () => headers.Set("bad name", "v"),
                    () => headers.Set("content-length", "5"),
                    () => headers.Set("transfer-encoding", "chunked"),
                    () => headers.Path = "/a b",
                })
                {
                    try
                    {
                        attempt();
                    }
                    catch (ArgumentException ex)
                    {
                        lock (errors) errors.Add(ex.Message);
                    }
                }
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([sneaky], ["{ name: test.sneaky }"]);

        var body = await rig.Client.GetStringAsync("/headers/x");
        Assert.Equal(5, errors.Count);
        Assert.DoesNotContain("x-injected", body);
        Assert.DoesNotContain("x-evil", body);
        Assert.StartsWith("GET /headers/x\n", body);
    }

    [Fact]
    public async Task ChangingThePathAndClearingTheRouteCacheRoutesAgain()
    {
        await using var other = await KestrelUpstream.StartAsync("other");
        var rewrite = new TestFilterFactory("test.rewrite", () => new LambdaFilter
        {
            OnRequestHeaders = (self, headers, _) =>
            {
                // Asking for the route first makes sure the decision is cached before it is cleared.
                Assert.Equal("web", self.Callbacks.ClusterName);
                headers.Path = "/moved" + headers.Path;
                self.Callbacks.ClearRouteCache();
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([rewrite], ["{ name: test.rewrite }"],
            ["{ match: { prefix: \"/moved\" }, route: { cluster: other } }", WebRoute],
            extraClusters: new Dictionary<string, int> { ["other"] = other.Port });

        using var response = await rig.Client.GetAsync("/x");
        Assert.Equal("hello from /moved/x", await response.Content.ReadAsStringAsync());
        Assert.Equal("other", response.Headers.GetValues("x-upstream").Single());
    }

    [Fact]
    public async Task RequestTrailersReachFiltersAndTheUpstream()
    {
        string? seen = null;
        var trailers = new TestFilterFactory("test.trailers", () => new LambdaFilter
        {
            OnRequestTrailers = (_, map) =>
            {
                seen = map.Get("x-checksum");
                map.Add("x-extra", "added");
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([trailers], ["{ name: test.trailers }"]);
        var request = "POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            "5\r\nhello\r\n6\r\n world\r\n0\r\nx-checksum: abc\r\n\r\n";

        var response = await HttpProxyFixture.RawExchangeAsync(rig.Proxy.Listener("http"), request);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("11\nx-checksum: abc\nx-extra: added\n", response);
        Assert.Equal("abc", seen);
    }

    [Fact]
    public async Task TrailersEndABodyThatTwoFiltersBuffer()
    {
        static LambdaFilter Hoarding() => new()
        {
            OnRequestHeaders = (_, _, _) => LambdaFilter.Buffer,
            OnRequestData = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
        };
        await using var rig = await Rig.StartAsync(
            [new TestFilterFactory("test.first", Hoarding), new TestFilterFactory("test.second", Hoarding)],
            ["{ name: test.first }", "{ name: test.second }"]);
        var request = "POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            "5\r\nhello\r\n6\r\n world\r\n0\r\nx-checksum: abc\r\n\r\n";

        // Trailers end the body: the second filter may not hold it again (the request would hang).
        var response = await HttpProxyFixture.RawExchangeAsync(rig.Proxy.Listener("http"), request);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("11\nx-checksum: abc\n", response);
    }

    [Fact]
    public async Task AStreamPausedByAFilterTimesOutAndTheFilterHearsOfIt()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new TestFilterFactory("test.stuck", () => new LambdaFilter
        {
            OnRequestHeaders = (self, _, _) =>
            {
                self.Callbacks.StreamAborted.Register(() => aborted.TrySetResult());
                return LambdaFilter.Stop;
            },
        });
        await using var rig = await Rig.StartAsync([stuck], ["{ name: test.stuck }"], hcmFields: "request_timeout: 0.5s");

        using var response = await rig.Client.GetAsync("/never");
        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, rig.Upstream.Requests);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_rq_timeout"));
    }

    [Theory]
    [InlineData("{ name: test.unknown }", "unknown HTTP filter 'test.unknown'")]
    [InlineData("{ name: envoy.filters.http.buffer }", "needs a typed_config with max_request_bytes")]
    [InlineData("{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer } }", "missing required field 'max_request_bytes'")]
    [InlineData("{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 10, extra: 1 } }", "extra")]
    public async Task BadFilterConfigurationIsRejectedWithItsPosition(string entry, string message)
    {
        var yaml = HttpProxyFixture.Config([WebRoute], new Dictionary<string, int> { ["web"] = 1 }, httpFilters: [entry]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessProxy.StartAsync(yaml));
        Assert.Contains(message, error.Message);
        Assert.Matches(@"test\.yaml:\d+:\d+", error.Message);
    }

    [Fact]
    public async Task PerRouteConfigForAFilterNotInTheChainIsRejected()
    {
        var yaml = HttpProxyFixture.Config(
            ["{ match: { prefix: \"/\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.buffer: { disabled: true } } }"],
            new Dictionary<string, int> { ["web"] = 1 });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessProxy.StartAsync(yaml));
        Assert.Contains("typed_per_filter_config names 'envoy.filters.http.buffer', which is not an HTTP filter of this connection manager", error.Message);
    }

    private sealed class Rig : IAsyncDisposable
    {
        public required KestrelUpstream Upstream { get; init; }

        public required InProcessProxy Proxy { get; init; }

        public required HttpClient Client { get; init; }

        public static async Task<Rig> StartAsync(IHttpFilterFactory[] factories, string[] filters, string[]? routes = null,
            string listenerFields = "", string hcmFields = "", Dictionary<string, int>? extraClusters = null)
        {
            var upstream = await KestrelUpstream.StartAsync("web");
            var clusters = new Dictionary<string, int> { ["web"] = upstream.Port };
            foreach (var (name, port) in extraClusters ?? []) clusters[name] = port;
            var yaml = HttpProxyFixture.Config(routes ?? [WebRoute], clusters, hcmFields, httpFilters: filters, listenerFields: listenerFields);
            var proxy = await InProcessProxy.StartAsync(yaml, factories);
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
            return new Rig { Upstream = upstream, Proxy = proxy, Client = client };
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
