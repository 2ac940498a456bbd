using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Junction.HttpFilters;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.HttpFilters;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// HTTP filters on HTTP/2 streams: the same contract as on HTTP/1.1 (order, local replies, pauses,
/// buffering, limits, failures), with HttpClient over h2c, curl, a Kestrel HTTP/1.1 upstream and a
/// gRPC upstream over HTTP/2, where requests and responses pass the filters at the same time.
/// </summary>
[Collection("Http")]
public sealed class Http2FilterTests
{
    private const string WebRoute = "{ match: { prefix: \"/\" }, route: { cluster: web } }";

    private const string Http2Cluster =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    private static LambdaFilter Tagging(string tag) => new()
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

    [Theory]
    [InlineData("HTTP2")]
    [InlineData("AUTO")]
    public async Task DecodersRunInOrderAndEncodersInReverse(string codec)
    {
        await using var rig = await Rig.StartAsync(
            [new TestFilterFactory("test.a", () => Tagging("a")), new TestFilterFactory("test.b", () => Tagging("b"))],
            ["{ name: test.a }", "{ name: test.b }"], codec: codec);

        using var response = await rig.Client.GetAsync("/headers/x");
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Contains("x-order: a,b\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("b,a", response.Headers.GetValues("x-order").Single());

        // curl over h2c goes through the same filters.
        var output = await HttpPeers.PeerTools.CurlAsync("-sS", "--http2-prior-knowledge", "-D", "-", $"{rig.Url}/headers/y");
        Assert.Contains("x-order: b,a", output);
        Assert.Contains("x-order: a,b\n", output);
    }

    [Fact]
    public async Task LocalReplyFromADecoderNeverReachesTheUpstreamAndEncodersSeeIt()
    {
        var deny = new TestFilterFactory("test.deny", () => new LambdaFilter
        {
            OnRequestHeaders = (self, headers, _) =>
            {
                if (!headers.Path.StartsWith("/denied", StringComparison.Ordinal)) return LambdaFilter.Continue;
                self.Callbacks.SendLocalReply(403, "no entry", "denied_by_test");
                return LambdaFilter.Stop;
            },
            OnResponseHeaders = (_, headers, _) =>
            {
                headers.Set("x-seen-by-encoder", headers.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([deny], ["{ name: test.deny }"]);

        // A denied upload: the client is answered (and told to stop sending) without the upstream hearing of it.
        using var denied = await rig.Client.PostAsync("/denied/x", new ByteArrayContent(new byte[100_000]));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("no entry", await denied.Content.ReadAsStringAsync());
        Assert.Equal("403", denied.Headers.GetValues("x-seen-by-encoder").Single());
        Assert.Equal(0, rig.Upstream.Requests);

        // The connection stays usable: the next stream on it is proxied.
        using var allowed = await rig.Client.GetAsync("/fine");
        Assert.Equal("hello from /fine", await allowed.Content.ReadAsStringAsync());
        Assert.Equal("200", allowed.Headers.GetValues("x-seen-by-encoder").Single());
        Assert.Equal(1, rig.Upstream.Requests);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_cx_total"));
    }

    [Fact]
    public async Task StopIterationPausesOneStreamWhileOthersOnTheConnectionGoOn()
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = new TestFilterFactory("test.hold", () => new LambdaFilter
        {
            OnRequestHeaders = (self, headers, endOfStream) =>
            {
                if (headers.Path != "/held") return LambdaFilter.Continue;
                _ = release.Task.ContinueWith(_ => self.Callbacks.ContinueDecoding(), TaskScheduler.Default);
                paused.TrySetResult();
                return LambdaFilter.Stop;
            },
        });
        await using var rig = await Rig.StartAsync([hold], ["{ name: test.hold }"]);

        var held = rig.Client.GetStringAsync("/held");
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Streams are independent: another one passes while the first is held.
        Assert.Equal("hello from /other", await rig.Client.GetStringAsync("/other"));
        Assert.False(held.IsCompleted);
        release.SetResult();
        Assert.Equal("hello from /held", await held.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, rig.Upstream.Requests);
    }

    [Fact]
    public async Task BufferFilterSendsABodyWithoutLengthUpstreamWithItsLength()
    {
        await using var rig = await Rig.StartAsync([], ["{ name: envoy.filters.http.buffer, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1048576 } }"]);
        var payload = SeededData.Bytes(7, 300_000);

        using var response = await rig.Client.PostAsync("/headers/upload", new StreamContent(new NonSeekableStream(payload)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("content-length: 300000\n", body);
        Assert.DoesNotContain("transfer-encoding", body);

        using var hashed = await rig.Client.PostAsync("/sha256", new StreamContent(new NonSeekableStream(payload)));
        Assert.Equal($"300000 {Convert.ToHexString(SHA256.HashData(payload))}", await hashed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABodyBeyondTheBufferLimitIs413AndAResponseBeyondItIs500()
    {
        var hoard = new TestFilterFactory("test.hoard", () => new LambdaFilter
        {
            OnRequestHeaders = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
            OnRequestData = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
            OnResponseHeaders = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
            OnResponseData = (_, _, endOfStream) => endOfStream ? LambdaFilter.Continue : LambdaFilter.Buffer,
        });
        await using var rig = await Rig.StartAsync([hoard], ["{ name: test.hoard }"], listenerFields: "per_connection_buffer_limit_bytes: 65536");

        using var tooLarge = await rig.Client.PostAsync("/upload", new StreamContent(new NonSeekableStream(SeededData.Bytes(1, 200_000))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(0, rig.Upstream.Requests);
        using var tooLong = await rig.Client.GetAsync("/bytes/500000");
        Assert.Equal(HttpStatusCode.InternalServerError, tooLong.StatusCode);
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_too_large") == 1 && rig.Proxy.Counter("http.ingress.rs_too_large") == 1,
            "both overflows counted");

        // Within the limit the same filter lets whole bodies through both ways.
        var small = SeededData.Bytes(2, 60_000);
        using var fine = await rig.Client.PostAsync("/sha256", new ByteArrayContent(small));
        Assert.Equal($"60000 {Convert.ToHexString(SHA256.HashData(small))}", await fine.Content.ReadAsStringAsync());
        using var download = await rig.Client.GetAsync("/bytes/1000?chunked=1");
        Assert.Equal(1000, (await download.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(1000, download.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AStreamingFilterSeesEveryByteOfALargeUploadUnderSmallWindows()
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
        await using var rig = await Rig.StartAsync([count], ["{ name: test.count }"],
            hcmFields: "http2_protocol_options: { initial_stream_window_size: 65535, initial_connection_window_size: 65535 }");
        var payload = SeededData.Bytes(11, 20_000_000);

        using var response = await rig.Client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal($"20000000 {Convert.ToHexString(SHA256.HashData(payload))}", await response.Content.ReadAsStringAsync());
        Assert.Equal(20_000_000, Interlocked.Read(ref seen));
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
                body.Replace(body.Span.ToArray().Select(b => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b).Concat("!!!"u8.ToArray()).ToArray());
                return LambdaFilter.Continue;
            },
        });
        await using var rig = await Rig.StartAsync([shout], ["{ name: test.shout }"]);

        using var response = await rig.Client.GetAsync("/quiet");
        Assert.Equal("HELLO FROM /QUIET!!!", await response.Content.ReadAsStringAsync());
        Assert.Equal(20, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AFilterThatThrowsFailsOnlyItsStreamWith500()
    {
        var faulty = new TestFilterFactory("test.faulty", () => new LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) => headers.Path == "/boom" ? throw new InvalidOperationException("bug") : LambdaFilter.Continue,
            OnResponseHeaders = (_, headers, _) => headers.Get("x-explode") is not null ? throw new InvalidOperationException("bug") : LambdaFilter.Continue,
        });
        await using var rig = await Rig.StartAsync([faulty], ["{ name: test.faulty }"]);

        using var failed = await rig.Client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("hello from /fine", await rig.Client.GetStringAsync("/fine"));
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.downstream_rq_filter_error") == 1, "the failure counted");
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_cx_total"));
    }

    [Fact]
    public async Task FaultAndLocalRateLimitFiltersAnswerHttp2Streams()
    {
        await using var rig = await Rig.StartAsync([],
        [
            "{ name: envoy.filters.http.fault, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, abort: { header_abort: {}, percentage: { numerator: 100 } } } }",
            "{ name: envoy.filters.http.local_ratelimit, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit, stat_prefix: rl, " +
                "token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: 3600s }, filter_enabled: { default_value: { numerator: 100 } }, filter_enforced: { default_value: { numerator: 100 } } } }",
        ]);

        using var aborted = new HttpRequestMessage(HttpMethod.Get, "/x") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        aborted.Headers.Add("x-envoy-fault-abort-request", "418");
        using var teapot = await rig.Client.SendAsync(aborted);
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);

        // The fault answered before the rate limit: two tokens remain, then 429.
        Assert.Equal(HttpStatusCode.OK, (await rig.Client.GetAsync("/a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rig.Client.GetAsync("/b")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await rig.Client.GetAsync("/c")).StatusCode);
        Assert.Equal(2, rig.Upstream.Requests);
    }

    [Fact]
    public async Task ABidirectionalGrpcCallStreamsThroughFiltersBothWays()
    {
        long requestBytes = 0;
        long responseBytes = 0;
        var count = new TestFilterFactory("test.count", () => new LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) =>
            {
                headers.Set("x-filtered", "yes");
                return LambdaFilter.Continue;
            },
            OnRequestData = (_, body, _) =>
            {
                Interlocked.Add(ref requestBytes, body.Length);
                return LambdaFilter.Continue;
            },
            OnResponseData = (_, body, _) =>
            {
                Interlocked.Add(ref responseBytes, body.Length);
                return LambdaFilter.Continue;
            },
        });
        await using var upstream = await GrpcWireUpstream.StartAsync();
        var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: grpc } }"],
            new Dictionary<string, int> { ["grpc"] = upstream.EndPoint.Port }, "codec_type: AUTO", clusterFields: Http2Cluster, httpFilters: ["{ name: test.count }"]);
        await using var proxy = await InProcessProxy.StartAsync(yaml, count);
        using var client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");

        var outgoing = Channel.CreateUnbounded<string>();
        using var request = GrpcRequest("Chat", new ChannelContent(outgoing));
        var sending = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await outgoing.Writer.WriteAsync("one");
        using var response = await sending;
        var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("re: one", await GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(10)));
        // Each answer comes back through the encoders while the request is still open through the decoders.
        foreach (var word in new[] { "two", "three" })
        {
            await outgoing.Writer.WriteAsync(word);
            Assert.Equal("re: " + word, await GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(10)));
        }
        outgoing.Writer.Complete();
        Assert.Null(await GrpcWire.ReadMessageAsync(body));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal(3 * 5 + "one".Length + "two".Length + "three".Length, Interlocked.Read(ref requestBytes));
        Assert.Equal(3 * 5 + "re: one".Length + "re: two".Length + "re: three".Length, Interlocked.Read(ref responseBytes));
    }

    [Fact]
    public async Task AnAnswerBeforeTheWholeUploadEndsTheUploadAndTheConnectionGoesOn()
    {
        await using var rig = await Rig.StartAsync([new TestFilterFactory("test.a", () => Tagging("a"))], ["{ name: test.a }"]);

        // The upstream answers without reading the body: the rest of the upload is refused (RST_STREAM NO_ERROR).
        using var early = await rig.Client.PostAsync("/not-reading", new ByteArrayContent(SeededData.Bytes(3, 20_000_000)));
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Equal("hello from /not-reading", await early.Content.ReadAsStringAsync());

        // The connection's window was given back: more streams (and a body) still pass on it.
        var payload = SeededData.Bytes(5, 3_000_000);
        using var hashed = await rig.Client.PostAsync("/sha256", new ByteArrayContent(payload));
        Assert.Equal($"3000000 {Convert.ToHexString(SHA256.HashData(payload))}", await hashed.Content.ReadAsStringAsync());
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_cx_total"));
    }

    private static HttpRequestMessage GrpcRequest(string method, HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var request = new HttpRequestMessage(HttpMethod.Post, "/test.Echo/" + method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        return request;
    }

    /// <summary>A request body that sends gRPC messages as the test writes them, keeping the request open in between.</summary>
    private sealed class ChannelContent(Channel<string> messages) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await foreach (var message in messages.Reader.ReadAllAsync())
            {
                await stream.WriteAsync(GrpcWire.Frame(message));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A stream of unknown length, so HttpClient sends it without content-length.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private sealed class Rig : IAsyncDisposable
    {
        public required KestrelUpstream Upstream { get; init; }

        public required InProcessProxy Proxy { get; init; }

        public required HttpClient Client { get; init; }

        public string Url => $"http://127.0.0.1:{Proxy.Listener("http").Port}";

        public static async Task<Rig> StartAsync(IHttpFilterFactory[] factories, string[] filters, string listenerFields = "", string hcmFields = "", string codec = "HTTP2")
        {
            var upstream = await KestrelUpstream.StartAsync("web");
            var yaml = HttpProxyFixture.Config([WebRoute], new Dictionary<string, int> { ["web"] = upstream.Port }, $"codec_type: {codec}\n{hcmFields}",
                httpFilters: filters, listenerFields: listenerFields);
            var proxy = await InProcessProxy.StartAsync(yaml, factories);
            return new Rig { Upstream = upstream, Proxy = proxy, Client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
