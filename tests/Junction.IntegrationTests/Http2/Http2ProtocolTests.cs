using System.Net;
using Junction.Http.Http2;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// What the HTTP/2 connection manager does with frames no well-behaved client sends: malformed requests
/// (stream errors, the connection goes on), broken connection state (GOAWAY), and the known attacks
/// (rapid reset, CONTINUATION and empty-frame floods, HPACK bombs), each counted.
/// </summary>
[Collection("Http")]
public sealed class Http2ProtocolTests
{
    [Theory]
    [InlineData("X-Upper", "1")]
    [InlineData("connection", "keep-alive")]
    [InlineData("transfer-encoding", "chunked")]
    [InlineData("te", "gzip")]
    public async Task AMalformedRequestIsResetAndTheConnectionServesTheNextOne(string name, string value)
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendRequestAsync(1, "/bad", endStream: true, (name, value));
        var reset = await client.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream);
        Assert.NotNull(reset);
        Assert.Equal(1, reset.StreamId);
        Assert.Equal(Http2ErrorCode.ProtocolError, reset.ErrorCode);

        await client.SendRequestAsync(3, "/good", endStream: true);
        var response = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 3);
        Assert.Equal(200, response!.Status);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.rx_messaging_error"));
        Assert.Equal(1, rig.Upstream.Requests);
    }

    [Fact]
    public async Task ABodyLongerThanItsContentLengthIsResetBeforeTheUpstreamGetsIt()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendRequestAsync(1, "/sha256", endStream: false, ("content-length", "4"));
        await client.SendDataAsync(1, "hello"u8, endStream: true);
        var reset = await client.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream && f.StreamId == 1);
        Assert.Equal(Http2ErrorCode.ProtocolError, reset!.ErrorCode);
    }

    [Fact]
    public async Task DataOnAStreamNeverOpenedEndsTheConnection()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendDataAsync(5, "x"u8, endStream: true);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.ProtocolError, goAway!.ErrorCode);
        Assert.Null(await client.ReadUntilAsync(_ => false));
    }

    [Fact]
    public async Task MoreDataThanTheStreamWindowIsAFlowControlError()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2\nhttp2_protocol_options: { initial_stream_window_size: 65535 }");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendRequestAsync(1, "/gated", endStream: false);
        var chunk = new byte[16384];
        for (var i = 0; i < 5; i++) await client.SendDataAsync(1, chunk, endStream: false);
        var reset = await client.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream && f.StreamId == 1);
        Assert.Equal(Http2ErrorCode.FlowControlError, reset!.ErrorCode);
        rig.Upstream.OpenGate();
    }

    [Fact]
    public async Task RapidResetClosesTheConnection()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // Open streams to a request that never finishes on its own, and cancel each at once.
        // The limit trips at the 100th stream (half of at least 100 reset early); 120 leave a margin.
        for (var id = 1; id < 2 * 120; id += 2)
        {
            await client.SendRequestAsync(id, "/gated", endStream: true);
            await client.SendRstStreamAsync(id, Http2ErrorCode.Cancel);
        }
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway, TimeSpan.FromSeconds(60));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.premature_reset_flood"));
        // The connection is closed after the GOAWAY.
        Assert.Null(await client.ReadUntilAsync(_ => false));
        rig.Upstream.OpenGate();
    }

    [Theory]
    [InlineData("content-length")]
    [InlineData("window-overflow")]
    public async Task ResetsTheClientProvokesCountLikeItsOwn(string provocation)
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // Each stream is opened (and sent upstream), then broken by the client so that the proxy must
        // reset it: DATA longer than the declared content-length, or a window grown past 2^31-1.
        for (var id = 1; id < 2 * 120; id += 2)
        {
            if (provocation == "content-length")
            {
                await client.SendRequestAsync(id, "/gated", endStream: false, ("content-length", "1"));
                await client.SendDataAsync(id, [1, 2], endStream: true);
            }
            else
            {
                await client.SendRequestAsync(id, "/gated", endStream: true);
                await client.SendFrameAsync(Http2FrameType.WindowUpdate, 0, id, [0x7f, 0xff, 0xff, 0xff]);
            }
        }
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway, TimeSpan.FromSeconds(60));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.premature_reset_flood"));
        // The connection is closed after the GOAWAY.
        Assert.Null(await client.ReadUntilAsync(_ => false));
        rig.Upstream.OpenGate();
    }

    [Fact]
    public async Task AnEndlessHeaderBlockIsCutOff()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block.
        await client.SendFrameAsync(Http2FrameType.Headers, 0, 1, client.Block((":method", "GET"), (":path", "/")));
        var filler = new byte[16000];
        for (var i = 0; i < 20; i++) await client.SendFrameAsync(Http2FrameType.Continuation, 0, 1, filler);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.header_block_flood"));
        // The connection is closed after the GOAWAY.
        Assert.Null(await client.ReadUntilAsync(_ => false));
        Assert.Equal(0, rig.Upstream.Requests);
    }

    [Fact]
    public async Task EmptyDataFramesInARowCloseTheConnection()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendRequestAsync(1, "/gated", endStream: false);
        for (var i = 0; i < 3; i++) await client.SendDataAsync(1, [], endStream: false);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.inbound_empty_frames_flood"));
        // The connection is closed after the GOAWAY.
        Assert.Null(await client.ReadUntilAsync(_ => false));
        rig.Upstream.OpenGate();
    }

    [Fact]
    public async Task APingFloodIsCutOff()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // 3000 PINGs in one write, none of whose answers is read until the end.
        var pings = new byte[3000 * 17];
        for (var i = 0; i < 3000; i++) new Http2FrameHeader(8, Http2FrameType.Ping, 0, 0).Write(pings.AsSpan(i * 17));
        await client.SendRawAsync(pings);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.inbound_control_frames_flood"));
        Assert.Null(await client.ReadUntilAsync(_ => false));
    }

    [Fact]
    public async Task ASettingsFloodIsCutOff()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // 3000 empty SETTINGS frames in one write: each asks for an acknowledgement.
        var settings = new byte[3000 * 9];
        for (var i = 0; i < 3000; i++) new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0).Write(settings.AsSpan(i * 9));
        await client.SendRawAsync(settings);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.inbound_control_frames_flood"));
        Assert.Null(await client.ReadUntilAsync(_ => false));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task APriorityFloodIsCutOffWhateverStreamItNames(bool openStream)
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // 100 PRIORITY frames per stream opened, plus 100, are allowed: one open stream or none, then 300
        // PRIORITY frames naming streams 1, 3, 5... (open, closed or never opened alike).
        if (openStream) await client.SendRequestAsync(1, "/gated", endStream: true);
        var frames = new byte[300 * 14];
        for (var i = 0; i < 300; i++)
        {
            var frame = frames.AsSpan(i * 14);
            new Http2FrameHeader(5, Http2FrameType.Priority, 0, 2 * i + 1).Write(frame);
            frame[13] = 15; // weight; stream dependency 0
        }
        await client.SendRawAsync(frames);
        var goAway = await client.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.inbound_priority_frames_flood"));
        Assert.Null(await client.ReadUntilAsync(_ => false));
        rig.Upstream.OpenGate();
    }

    [Fact]
    public async Task AnHpackBombIsAnswered431AndTheConnectionGoesOn()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // 3 KB into the dynamic table once, then referenced 30 times: a small block, 90 KB decoded.
        var big = new string('b', 3000);
        await client.SendRequestAsync(1, "/a", endStream: true, ("x-big", big));
        var first = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        Assert.Equal(200, first!.Status);
        await client.SendRequestAsync(3, "/b", endStream: true, Enumerable.Repeat(("x-big", big), 30).ToArray());
        var bomb = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 3);
        Assert.Equal(431, bomb!.Status);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.http2.header_overflow"));

        await client.SendRequestAsync(5, "/c", endStream: true);
        var after = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 5);
        Assert.Equal(200, after!.Status);
        Assert.Equal(2, rig.Upstream.Requests);
    }

    [Fact]
    public async Task TooManyConcurrentStreamsAreRefused()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2\nhttp2_protocol_options: { max_concurrent_streams: 2 }");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        await client.SendRequestAsync(1, "/gated", endStream: true);
        await client.SendRequestAsync(3, "/gated", endStream: true);
        await client.SendRequestAsync(5, "/gated", endStream: true);
        var refused = await client.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream);
        Assert.Equal(5, refused!.StreamId);
        Assert.Equal(Http2ErrorCode.RefusedStream, refused.ErrorCode);
        rig.Upstream.OpenGate();
        var done = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 3);
        Assert.Equal(200, done!.Status);
    }

    [Fact]
    public async Task DrainSendsGoAwayAndEveryAcceptedRequestCompletes()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2");
        using var client = Http2ProxyTests.Rig.Http2Client(rig.Url);

        var inFlight = Enumerable.Range(0, 50).Select(i => client.GetAsync($"/gated?i={i}")).ToArray();
        await Eventually.AssertAsync(() => rig.Upstream.Requests == 50, "all 50 requests reached the upstream");
        var drain = rig.Proxy.Server.DrainAsync(TimeSpan.FromSeconds(20));
        await Eventually.AssertAsync(() => rig.Proxy.Counter("http.ingress.http2.goaway_sent") >= 2, "both GOAWAY frames sent");
        rig.Upstream.OpenGate();

        foreach (var response in await Task.WhenAll(inFlight))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("through the gate", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(0, await drain);
    }

    [Fact]
    public async Task AStreamStalledOnAZeroWindowIsResetByTheStreamIdleTimeout()
    {
        await using var rig = await Http2ProxyTests.Rig.StartAsync("codec_type: HTTP2\nstream_idle_timeout: 0.5s");
        await using var client = await RawHttp2Client.ConnectAsync(rig.Proxy.Listener("http"));

        // A megabyte answer to a client that grants no window beyond the initial 64 KiB: the stream stalls.
        await client.SendRequestAsync(1, "/bytes/1000000", endStream: true);
        var reset = await client.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream && f.StreamId == 1);
        Assert.NotNull(reset);
        Assert.Equal(Http2ErrorCode.Cancel, reset.ErrorCode);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.downstream_rq_idle_timeout"));

        // The connection itself is fine.
        await client.SendRequestAsync(3, "/small", endStream: true);
        var response = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 3);
        Assert.Equal(200, response!.Status);
    }
}
