using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// gRPC through the proxy: HTTP/2 from the client (HttpClient) and to the service (Kestrel, an HTTP/2
/// cluster), for all four call types, with trailers, trailers-only errors and the call's stats.
/// </summary>
[Collection("Http")]
public sealed class GrpcProxyTests
{
    private const string Http2Cluster =
        "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } }";

    [Fact]
    public async Task UnaryCallReturnsTheMessageAndOkInTrailers()
    {
        await using var rig = await GrpcRig.StartAsync();
        using var response = await rig.CallAsync("Unary", GrpcWire.Frame("hello"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("echo: hello", await GrpcWire.ReadMessageAsync(body));
        Assert.Null(await GrpcWire.ReadMessageAsync(body));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal(1, rig.Proxy.Counter("cluster.grpc.upstream_rq_2xx"));
        // Counted as the call ends, which may be just after the client has its trailers.
        await Eventually.AssertAsync(() => rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Unary.0") == 1, "the call's status counted");
        Assert.Equal(1, rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Unary.success"));
        Assert.Equal(1, rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Unary.total"));
    }

    [Fact]
    public async Task ClientStreamingCallSeesEveryMessage()
    {
        await using var rig = await GrpcRig.StartAsync();
        var messages = Enumerable.Range(0, 50).SelectMany(i => GrpcWire.Frame($"<{i}>")).ToArray();
        using var response = await rig.CallAsync("Collect", messages);

        var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("50:" + string.Concat(Enumerable.Range(0, 50).Select(i => $"<{i}>")), await GrpcWire.ReadMessageAsync(body));
        // Trailers are there once the body has been read to its end.
        Assert.Null(await GrpcWire.ReadMessageAsync(body));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task ServerStreamingCallDeliversEveryMessageInOrder()
    {
        await using var rig = await GrpcRig.StartAsync();
        using var response = await rig.CallAsync("Count", GrpcWire.Frame("300"));

        var body = await response.Content.ReadAsStreamAsync();
        for (var i = 1; i <= 300; i++) Assert.Equal($"message {i}", await GrpcWire.ReadMessageAsync(body));
        Assert.Null(await GrpcWire.ReadMessageAsync(body));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task BidirectionalCallAnswersEachMessageBeforeTheNextIsSent()
    {
        await using var rig = await GrpcRig.StartAsync();
        var outgoing = Channel.CreateUnbounded<string>();
        using var request = GrpcRig.Request("Chat", new ChannelContent(outgoing));
        // HttpClient hands back the response once the request body has begun: send the first message first.
        var sending = rig.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await outgoing.Writer.WriteAsync("one");
        using var response = await sending;
        var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("re: one", await GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(10)));

        // Each answer arrives while the request is still open: both directions stream at once.
        foreach (var word in new[] { "two", "three" })
        {
            await outgoing.Writer.WriteAsync(word);
            Assert.Equal("re: " + word, await GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(10)));
        }
        outgoing.Writer.Complete();
        Assert.Null(await GrpcWire.ReadMessageAsync(body));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task TrailersOnlyErrorKeepsItsStatusAndMessage()
    {
        await using var rig = await GrpcRig.StartAsync();
        using var response = await rig.CallAsync("Missing", GrpcWire.Frame("x"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = response.Headers.TryGetValues("grpc-status", out var values) ? values.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal("5", status);
        var message = response.Headers.TryGetValues("grpc-message", out var texts) ? texts.Single() : response.TrailingHeaders.GetValues("grpc-message").Single();
        Assert.Equal("no such thing", message);
        await Eventually.AssertAsync(() => rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Missing.5") == 1, "the call's status counted");
        Assert.Equal(1, rig.Proxy.Counter("cluster.grpc.grpc.test.Echo.Missing.failure"));
    }

    [Fact]
    public async Task ManyConcurrentCallsShareFewUpstreamConnections()
    {
        await using var rig = await GrpcRig.StartAsync();
        var calls = Enumerable.Range(0, 100).Select(async i =>
        {
            using var response = await rig.CallAsync("Unary", GrpcWire.Frame($"call {i}"));
            return await GrpcWire.ReadMessageAsync(await response.Content.ReadAsStreamAsync());
        });
        var answers = await Task.WhenAll(calls);
        for (var i = 0; i < 100; i++) Assert.Equal($"echo: call {i}", answers[i]);
        Assert.True(rig.Proxy.Counter("cluster.grpc.upstream_cx_total") <= 2, $"{rig.Proxy.Counter("cluster.grpc.upstream_cx_total")} upstream connections");
    }

    [Fact]
    public async Task ALocalReplyToAGrpcCallIsAGrpcStatus()
    {
        using var refusing = new RefusingEndPoint();
        var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: grpc } }"],
            new Dictionary<string, int> { ["grpc"] = refusing.EndPoint.Port }, "codec_type: AUTO", clusterFields: Http2Cluster);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");
        using var request = GrpcRig.Request("Unary", new ByteArrayContent(GrpcWire.Frame("x")));

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("connection failure", response.Headers.GetValues("grpc-message").Single());
    }

    [Fact]
    public async Task AnIdleUpstreamConnectionIsClosedAfterTheClustersIdleTimeout()
    {
        await using var upstream = await GrpcWireUpstream.StartAsync();
        var cluster = "typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, common_http_protocol_options: { idle_timeout: 0.3s }, explicit_http_config: { http2_protocol_options: {} } } }";
        var yaml = HttpProxyFixture.Config(["{ match: { prefix: \"/\" }, route: { cluster: grpc } }"],
            new Dictionary<string, int> { ["grpc"] = upstream.EndPoint.Port }, "codec_type: AUTO", clusterFields: cluster);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");

        using (var request = GrpcRig.Request("Unary", new ByteArrayContent(GrpcWire.Frame("x"))))
        using (var response = await client.SendAsync(request))
        {
            Assert.Equal("echo: x", await GrpcWire.ReadMessageAsync(await response.Content.ReadAsStreamAsync()));
        }
        Assert.Equal(1, proxy.Gauge("cluster.grpc.upstream_cx_active"));
        await Eventually.AssertAsync(() => proxy.Gauge("cluster.grpc.upstream_cx_active") == 0, "the idle upstream connection closed");

        // The next call opens a new one.
        using var again = GrpcRig.Request("Unary", new ByteArrayContent(GrpcWire.Frame("y")));
        using var answer = await client.SendAsync(again);
        Assert.Equal("echo: y", await GrpcWire.ReadMessageAsync(await answer.Content.ReadAsStreamAsync()));
        Assert.Equal(2, proxy.Counter("cluster.grpc.upstream_cx_total"));
    }

    [Theory]
    [InlineData("max_stream_duration: { max_stream_duration: 0.5s }", null)]
    [InlineData("max_stream_duration: { grpc_timeout_header_max: 0s }", "400m")]
    public async Task MaxStreamDurationEndsALongStreamThatTheRouteTimeoutWouldNot(string routeField, string? grpcTimeout)
    {
        await using var rig = await GrpcRig.StartAsync("{ match: { prefix: \"/\" }, route: { cluster: grpc, " + routeField + " } }");
        var outgoing = Channel.CreateUnbounded<string>();
        using var request = GrpcRig.Request("Chat", new ChannelContent(outgoing));
        if (grpcTimeout is not null) request.Headers.Add("grpc-timeout", grpcTimeout);
        var sending = rig.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await outgoing.Writer.WriteAsync("one");
        using var response = await sending;
        var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("re: one", await GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(10)));

        // The call stays open with nothing to say; its duration runs out and the stream is reset.
        await Assert.ThrowsAnyAsync<Exception>(() => GrpcWire.ReadMessageAsync(body).WaitAsync(TimeSpan.FromSeconds(20)));
        await Eventually.AssertAsync(() => rig.Proxy.Counter("cluster.grpc.upstream_rq_timeout") == 1, "the stream timed out");
        outgoing.Writer.Complete();
    }

    private sealed class GrpcRig : IAsyncDisposable
    {
        public required GrpcWireUpstream Upstream { get; init; }

        public required InProcessProxy Proxy { get; init; }

        public required HttpClient Client { get; init; }

        public static async Task<GrpcRig> StartAsync(string route = "{ match: { prefix: \"/\" }, route: { cluster: grpc } }")
        {
            var upstream = await GrpcWireUpstream.StartAsync();
            var yaml = HttpProxyFixture.Config([route],
                new Dictionary<string, int> { ["grpc"] = upstream.EndPoint.Port }, "codec_type: AUTO", clusterFields: Http2Cluster);
            var proxy = await InProcessProxy.StartAsync(yaml);
            var client = Http2ProxyTests.Rig.Http2Client($"http://127.0.0.1:{proxy.Listener("http").Port}");
            return new GrpcRig { Upstream = upstream, Proxy = proxy, Client = client };
        }

        public static HttpRequestMessage Request(string method, HttpContent content)
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

        public async Task<HttpResponseMessage> CallAsync(string method, byte[] body)
        {
            using var request = Request(method, new ByteArrayContent(body));
            return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }

    /// <summary>A request body that sends messages as the test writes them, keeping the request open in between.</summary>
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
            length = -1;
            return false;
        }
    }
}
