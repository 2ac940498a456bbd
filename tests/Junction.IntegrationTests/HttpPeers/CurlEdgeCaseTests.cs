using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>Less common requests from real curl: HTTP/1.0, OPTIONS, Expect: 100-continue, and the raw chunk framing.</summary>
[Collection(HttpPeersCollection.Name)]
public sealed class CurlEdgeCaseTests
{
    [Fact]
    public async Task Http10ClientGetsAStaticFileAndAClosedConnection()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);

        var output = await PeerTools.CurlAsync("-sS", "--http1.0", "-D", "-", proxy.Url("/" + NginxUpstream.SmallFile));

        var (head, body) = SplitHead(output);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("connection: close\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"content-length: {NginxUpstream.SmallContent.Length}\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Encoding.Latin1.GetString(NginxUpstream.SmallContent), body);
    }

    [Fact]
    public async Task Http10ClientAskingForKeepAliveKeepsItsConnection()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);
        var url = proxy.Url("/" + NginxUpstream.SmallFile);

        // curl reuses an HTTP/1.0 connection only when the response says "connection: keep-alive".
        var output = await PeerTools.CurlAsync("-sS", "--http1.0", "-H", "Connection: keep-alive", "-o", "/dev/null", "-o", "/dev/null",
            "-w", "%{http_code} %{num_connects}\n", url, url);

        Assert.Equal("200 1\n200 0\n", output);
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_2xx", 2);
        Assert.Equal(1, proxy.Counter("http.ingress.downstream_cx_total"));
    }

    [Fact]
    public async Task Http10ClientGetsAChunkedUpstreamBodyDelimitedByClose()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port);
        const int size = 300_000;

        var output = await PeerTools.CurlAsync("-sS", "--http1.0", "-D", "-", proxy.Url($"/bytes/{size}?chunked=1"));

        // An HTTP/1.0 client cannot read chunks: the body is sent as it is and ends with the connection.
        var (head, body) = SplitHead(output);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.DoesNotContain("transfer-encoding", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("connection: close\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Convert.ToHexString(KestrelBytes.Sha256(size)), Convert.ToHexString(SHA256.HashData(Encoding.Latin1.GetBytes(body))));
    }

    [Fact]
    public async Task OptionsRequestIsForwarded()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port);

        var output = await PeerTools.CurlAsync("-sS", "-X", "OPTIONS", "-D", "-", proxy.Url("/headers/options?x=1"));

        var (head, body) = SplitHead(output);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.StartsWith("OPTIONS /headers/options?x=1\n", body);
        Assert.Equal(1, upstream.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExpectContinueBodyFromCurlArrivesIntact(bool chunked)
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port);
        const int size = 1024 * 1024;
        var data = SeededData.Bytes(seed: 9, size);
        var file = Path.Combine(Path.GetTempPath(), $"junction-expect-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(file, data);
        try
        {
            string[] framing = chunked ? ["-H", "Transfer-Encoding: chunked"] : [];
            var output = await PeerTools.CurlAsync(["-sS", "-D", "-", "-H", "Expect: 100-continue", .. framing,
                "--data-binary", "@" + file, proxy.Url("/sha256")]);

            // -D - prints every response head: the interim 100 the proxy sent, then the upstream's answer.
            Assert.StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", output);
            var (_, body) = SplitHead(output["HTTP/1.1 100 Continue\r\n\r\n".Length..]);
            Assert.Equal($"{size} {Convert.ToHexString(SHA256.HashData(data))}", body);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ChunkedResponseIsWellFramedOnTheWire()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port);
        const int size = 200_000;

        var output = await PeerTools.CurlAsync("-sS", "--raw", "-D", "-", proxy.Url($"/bytes/{size}?chunked=1"));

        var (head, raw) = SplitHead(output);
        Assert.Contains("transfer-encoding: chunked\r\n", head, StringComparison.OrdinalIgnoreCase);
        var body = Dechunk(raw);
        Assert.Equal(size, body.Length);
        Assert.Equal(Convert.ToHexString(KestrelBytes.Sha256(size)), Convert.ToHexString(SHA256.HashData(body)));
    }

    private static (string Head, string Body) SplitHead(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end >= 0, "no end of head in: " + response[..Math.Min(response.Length, 500)]);
        return (response[..(end + 4)], response[(end + 4)..]);
    }

    /// <summary>
    /// Decodes a chunked body strictly (RFC 9112 §7.1): hex size, CRLF, exactly that many bytes, CRLF;
    /// a last chunk of size 0 followed by the final CRLF (no trailers expected) and nothing after it.
    /// Chunks of size 0 before the end, or any deviation, fail the test.
    /// </summary>
    private static byte[] Dechunk(string raw)
    {
        var body = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = raw.IndexOf("\r\n", position, StringComparison.Ordinal);
            Assert.True(lineEnd > position, $"chunk size line at {position} is empty or unterminated");
            var sizeText = raw[position..lineEnd];
            Assert.True(int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size),
                $"chunk size line at {position} is not hex: {sizeText}");
            position = lineEnd + 2;
            if (size == 0) break;
            Assert.True(position + size + 2 <= raw.Length, $"chunk of {size} at {position} is truncated");
            body.Write(Encoding.Latin1.GetBytes(raw.Substring(position, size)));
            position += size;
            Assert.True(raw.Substring(position, 2) == "\r\n", $"chunk data at {position - size} is not followed by CRLF");
            position += 2;
        }
        Assert.Equal("\r\n", raw[position..]);
        return body.ToArray();
    }
}
