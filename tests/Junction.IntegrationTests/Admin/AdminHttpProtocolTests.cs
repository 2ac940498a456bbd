using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// The admin server's HTTP/1.1 behaviour on raw sockets: persistent connections and pipelining,
/// HTTP/1.0, HEAD, request bodies, and strict rejection (status, then close) of anything malformed.
/// </summary>
public sealed class AdminHttpProtocolTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    private const string Ready = "GET /ready HTTP/1.1\r\nHost: admin\r\n\r\n";

    private AdminJunction Junction => fixture.Junction;

    private async Task<(Socket Socket, HttpResponseReader Reader)> ConnectAsync()
    {
        var socket = await SocketTestExtensions.ConnectAsync(Junction.Admin);
        return (socket, new HttpResponseReader(socket));
    }

    private static Task SendAsync(Socket socket, string text) => socket.SendAllAsync(Encoding.Latin1.GetBytes(text));

    [Fact]
    public async Task TwoRequestsOnOneConnectionAreBothAnsweredAndItStaysOpen()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, Ready);
        var first = await reader.ReadAsync();
        await SendAsync(socket, "GET /logging HTTP/1.1\r\nHost: admin\r\n\r\n");
        var second = await reader.ReadAsync();

        Assert.Equal("HTTP/1.1 200 OK", first.StatusLine);
        Assert.Equal("LIVE\n", first.Body);
        Assert.Null(first.Header("Connection"));
        Assert.Equal("active log level: info\n", second.Body);
        await SendAsync(socket, Ready);
        Assert.Equal("LIVE\n", (await reader.ReadAsync()).Body);
    }

    [Fact]
    public async Task PipelinedRequestsAreAnsweredInOrder()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, Ready + "GET /nope HTTP/1.1\r\nHost: admin\r\n\r\n" + "GET /logging HTTP/1.1\r\nHost: admin\r\n\r\n");

        Assert.Equal("LIVE\n", (await reader.ReadAsync()).Body);
        Assert.Equal(404, (await reader.ReadAsync()).Status);
        Assert.Equal("active log level: info\n", (await reader.ReadAsync()).Body);
    }

    [Fact]
    public async Task ConnectionCloseIsHonoured()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, "GET /ready HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");

        var reply = await reader.ReadAsync();
        Assert.Equal("LIVE\n", reply.Body);
        Assert.Equal("close", reply.Header("Connection"));
        Assert.True(await reader.PeerClosedAsync(), "the server did not close after Connection: close");
    }

    [Fact]
    public async Task Http10ClosesUnlessKeepAliveIsAsked()
    {
        var (plain, plainReader) = await ConnectAsync();
        using (plain)
        {
            await SendAsync(plain, "GET /ready HTTP/1.0\r\n\r\n");
            var reply = await plainReader.ReadAsync();
            Assert.Equal("LIVE\n", reply.Body);
            Assert.Equal("close", reply.Header("Connection"));
            Assert.True(await plainReader.PeerClosedAsync(), "an HTTP/1.0 connection without keep-alive stayed open");
        }

        var (kept, keptReader) = await ConnectAsync();
        using (kept)
        {
            await SendAsync(kept, "GET /ready HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            var reply = await keptReader.ReadAsync();
            Assert.Equal("keep-alive", reply.Header("Connection"));
            await SendAsync(kept, "GET /ready HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            Assert.Equal("LIVE\n", (await keptReader.ReadAsync()).Body);
        }
    }

    [Fact]
    public async Task HeadHasTheGetLengthButNoBody()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, "HEAD /ready HTTP/1.1\r\nHost: admin\r\n\r\n");
        var head = await reader.ReadAsync(headRequest: true);
        // Had the body been sent, it would be read as the start of the next response.
        await SendAsync(socket, Ready);
        var get = await reader.ReadAsync();

        Assert.Equal(200, head.Status);
        Assert.Equal("5", head.Header("Content-Length"));
        Assert.Equal("", head.Body);
        Assert.Equal("HTTP/1.1 200 OK", get.StatusLine);
        Assert.Equal("LIVE\n", get.Body);
    }

    [Fact]
    public async Task BodiesAreReadAndDiscardedKeepingTheConnectionUsable()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        var body = new string('x', 10_000);
        await SendAsync(socket, $"POST /healthcheck/ok HTTP/1.1\r\nHost: admin\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        Assert.Equal("OK\n", (await reader.ReadAsync()).Body);
        await SendAsync(socket, "POST /healthcheck/ok HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nTrailer-Field: x\r\n\r\n");
        Assert.Equal("OK\n", (await reader.ReadAsync()).Body);
        await SendAsync(socket, Ready);
        Assert.Equal("LIVE\n", (await reader.ReadAsync()).Body);
    }

    [Fact]
    public async Task ExpectContinueGetsAnInterimResponseBeforeTheBodyIsSent()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, "POST /healthcheck/ok HTTP/1.1\r\nHost: admin\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await reader.ReadAsync();
        Assert.Equal("HTTP/1.1 100 Continue", interim.StatusLine);
        Assert.Equal(0, reader.Buffered);

        await SendAsync(socket, "hello");
        Assert.Equal("OK\n", (await reader.ReadAsync()).Body);
    }

    [Theory]
    [InlineData("GET  /ready HTTP/1.1\r\nHost: admin\r\n\r\n", 400)] // double space in the request line
    [InlineData("GET /ready HTTP/1.1\nHost: admin\r\n\r\n", 400)] // bare LF
    [InlineData("GET /ready HTTP/1.1\r\nHost admin\r\n\r\n", 400)] // field without a colon
    [InlineData("GET /ready HTTP/1.1\r\nHost : admin\r\n\r\n", 400)] // whitespace before the colon
    [InlineData("GET /ready HTTP/1.1\r\nHost: admin\r\n folded\r\n\r\n", 400)] // obs-fold
    [InlineData("GET /ready HTTP/1.1\r\n\r\n", 400)] // no Host
    [InlineData("GET /ready HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)] // two Hosts
    [InlineData("GET http://admin/ready HTTP/1.1\r\nHost: admin\r\n\r\n", 400)] // not origin-form
    [InlineData("GET /ready HTTP/1.1\r\nHost: admin\r\nContent-Length: 1, 2\r\n\r\n", 400)]
    [InlineData("POST /ready HTTP/1.1\r\nHost: admin\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400)]
    [InlineData("POST /ready HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)]
    [InlineData("GET /ready HTTP/1.1\r\nHost: admin\r\nExpect: something-else\r\n\r\n", 417)]
    [InlineData("GET /ready HTTP/3.0\r\nHost: admin\r\n\r\n", 505)]
    public async Task MalformedRequestsAreRefusedAndTheConnectionClosed(string request, int status)
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, request);
        var reply = await reader.ReadAsync();

        Assert.Equal(status, reply.Status);
        Assert.Equal("close", reply.Header("Connection"));
        Assert.True(await reader.PeerClosedAsync(), "the server kept the connection open after refusing a request");
    }

    [Fact]
    public async Task OversizeHeadersAre431()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, $"GET /ready HTTP/1.1\r\nHost: admin\r\nX-Big: {new string('a', 70 * 1024)}\r\n\r\n");
        var reply = await reader.ReadAsync();

        Assert.Equal(431, reply.Status);
        Assert.True(await reader.PeerClosedAsync());
    }

    [Fact]
    public async Task BodiesOver64KiBAre413BeforeBeingRead()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, "POST /healthcheck/ok HTTP/1.1\r\nHost: admin\r\nContent-Length: 65537\r\n\r\n");
        var reply = await reader.ReadAsync();

        Assert.Equal(413, reply.Status);
        Assert.True(await reader.PeerClosedAsync());
    }

    [Fact]
    public async Task ChunkedBodiesOver64KiBAre413()
    {
        var (socket, reader) = await ConnectAsync();
        using var _ = socket;

        await SendAsync(socket, $"POST /healthcheck/ok HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n{new string('z', 0x10001)}\r\n0\r\n\r\n");
        var reply = await reader.ReadAsync();

        Assert.Equal(413, reply.Status);
        Assert.True(await reader.PeerClosedAsync());
    }

    [Fact]
    public async Task MethodsOtherThanGetHeadAndPostAre405OnReadOnlyEndpoints()
    {
        var reply = await AdminHttp.SendAsync(Junction.Admin, "DELETE", "/stats");
        Assert.Equal(405, reply.Status);
        Assert.Equal("GET, HEAD, POST", reply.Header("Allow"));
    }

    [Fact]
    public async Task CurlSpeaksHttp10AndHeadToo()
    {
        var (exitCode, stdout, stderr) = await ExternalTools.CurlAsync("-sS", "--http1.0", "--max-time", "10", $"http://{Junction.Admin}/ready");
        Assert.True(exitCode == 0, $"curl --http1.0 exited {exitCode}: {stderr}");
        Assert.Equal("LIVE\n", stdout);

        (exitCode, stdout, stderr) = await ExternalTools.CurlAsync("-sS", "-I", "--max-time", "10", $"http://{Junction.Admin}/ready");
        Assert.True(exitCode == 0, $"curl -I exited {exitCode}: {stderr}");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", stdout, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 5\r\n", stdout, StringComparison.Ordinal);
    }
}
