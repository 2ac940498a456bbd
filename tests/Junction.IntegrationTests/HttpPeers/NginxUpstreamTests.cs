using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>curl → Junction → a real nginx serving static files: bodies intact, HEAD, upstream keep-alive.</summary>
[Collection(HttpPeersCollection.Name)]
public sealed partial class NginxUpstreamTests
{
    [Theory]
    [InlineData(NginxUpstream.SmallFile)]
    [InlineData(NginxUpstream.MediumFile)]
    [InlineData(NginxUpstream.LargeFile)]
    public async Task StaticFileArrivesIntactThroughCurl(string file)
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);
        var output = Path.Combine(Path.GetTempPath(), $"junction-curl-{Guid.NewGuid():N}");
        try
        {
            var written = await PeerTools.CurlAsync("-sS", "-o", output, "-w", "%{http_code} %{size_download}", proxy.Url("/" + file));

            Assert.Equal($"200 {nginx.FileSize(file)}", written);
            Assert.Equal(Convert.ToHexString(nginx.Sha256(file)), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(output))));
        }
        finally
        {
            File.Delete(output);
        }
        var log = await nginx.AccessLogForAsync("/" + file, 1);
        Assert.Equal(200, log.Single().Status);
        Assert.Equal(nginx.FileSize(file), log.Single().BodyBytes);
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_2xx", 1);
    }

    [Fact]
    public async Task GzippedChunkedResponseFromNginxDecompressesIntact()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);
        var output = Path.Combine(Path.GetTempPath(), $"junction-curl-{Guid.NewGuid():N}");
        try
        {
            var head = await PeerTools.CurlAsync("-sS", "--compressed", "-D", "-", "-o", output, proxy.Url("/" + NginxUpstream.LargeFile));

            // nginx compresses on the fly, so it cannot know the length: the body comes chunked.
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
            Assert.Contains("content-encoding: gzip\r\n", head, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("transfer-encoding: chunked\r\n", head, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(Convert.ToHexString(nginx.Sha256(NginxUpstream.LargeFile)), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(output))));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task HeadAnswersWithTheFileLengthAndNoBody()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);

        var head = await PeerTools.CurlAsync("-sS", "-I", proxy.Url("/" + NginxUpstream.LargeFile));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains($"content-length: {10 * 1024 * 1024}\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\n", head);

        // On one connection: if the HEAD answer carried any body bytes, the GET's response would be garbled.
        var raw = await HttpProxyFixture.RawExchangeAsync(proxy.Listener("http"),
            $"HEAD /{NginxUpstream.MediumFile} HTTP/1.1\r\nHost: x\r\n\r\nGET /{NginxUpstream.SmallFile} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var responses = raw.Split("HTTP/1.1 200 OK\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, responses.Length);
        Assert.Contains("content-length: 16384\r\n", responses[0], StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\n", responses[0]);
        Assert.EndsWith("\r\n\r\n" + Encoding.Latin1.GetString(NginxUpstream.SmallContent), responses[1]);

        var log = await nginx.AccessLogForAsync("/" + NginxUpstream.MediumFile, 1);
        Assert.Equal("HEAD", log.Single().Method);
        Assert.Equal(0, log.Single().BodyBytes);
    }

    [Fact]
    public async Task ManyClientConnectionsShareOneNginxConnection()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);
        using var status = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) });
        var statusUrl = $"http://127.0.0.1:{nginx.Port}/nginx_status";
        var acceptedBefore = Accepted(await status.GetStringAsync(statusUrl));

        // Ten curl processes, each its own client connection, then one curl sending ten requests on one.
        const int each = 10;
        for (var i = 0; i < each; i++)
        {
            Assert.Equal(Encoding.Latin1.GetString(NginxUpstream.SmallContent), await PeerTools.CurlAsync("-sS", proxy.Url("/" + NginxUpstream.SmallFile)));
        }
        var urls = Enumerable.Repeat(proxy.Url("/" + NginxUpstream.SmallFile), each).ToArray();
        var joined = await PeerTools.CurlAsync(["-sS", .. urls]);
        Assert.Equal(string.Concat(Enumerable.Repeat(Encoding.Latin1.GetString(NginxUpstream.SmallContent), each)), joined);

        var log = await nginx.AccessLogForAsync("/" + NginxUpstream.SmallFile, 2 * each);
        Assert.Single(log.Select(line => line.Connection).Distinct());
        Assert.Equal(Enumerable.Range(1, 2 * each), log.Select(line => line.ConnectionRequests));
        // stub_status agrees: the only connection nginx accepted meanwhile is the proxy's one
        // (the status client reuses its own keep-alive connection).
        Assert.Equal(acceptedBefore + 1, Accepted(await status.GetStringAsync(statusUrl)));
        Assert.Equal(1, proxy.Counter("cluster.nginx.upstream_cx_total"));
        await proxy.CounterReachesAsync("http.ingress.downstream_cx_total", each + 1);
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_2xx", 2 * each);
    }

    [Fact]
    public async Task IdleConnectionThatNginxClosedIsNotReused()
    {
        await using var nginx = await NginxUpstream.StartAsync(keepaliveTimeout: "1s");
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);
        var url = proxy.Url("/" + NginxUpstream.SmallFile);
        Assert.Equal(Encoding.Latin1.GetString(NginxUpstream.SmallContent), await PeerTools.CurlAsync("-sS", url));

        // nginx closes the proxy's idle keep-alive connection after 1 s; only the status request's own
        // connection is left active. The next request must go on a new connection, not fail on the dead one.
        await WaitForActiveConnectionsAsync(nginx, 1);
        Assert.Equal(Encoding.Latin1.GetString(NginxUpstream.SmallContent), await PeerTools.CurlAsync("-sS", url));

        var log = await nginx.AccessLogForAsync("/" + NginxUpstream.SmallFile, 2);
        Assert.Equal(2, log.Select(line => line.Connection).Distinct().Count());
        Assert.Equal(2, proxy.Counter("cluster.nginx.upstream_cx_total"));
        await proxy.CounterReachesAsync("http.ingress.downstream_rq_2xx", 2);
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_rq_5xx"));
    }

    private static async Task WaitForActiveConnectionsAsync(NginxUpstream nginx, long expected)
    {
        using var status = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long active;
        while ((active = Active(await status.GetStringAsync($"http://127.0.0.1:{nginx.Port}/nginx_status"))) != expected)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nginx still has {active} active connections, not {expected}");
            await Task.Delay(20);
        }
    }

    /// <summary>The "Active connections" figure of nginx's stub_status page.</summary>
    private static long Active(string stubStatus)
    {
        var match = ActiveConnections().Match(stubStatus);
        Assert.True(match.Success, stubStatus);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Active connections: (\d+)")]
    private static partial Regex ActiveConnections();

    /// <summary>The "accepts" figure of nginx's stub_status page ("server accepts handled requests\n A H R").</summary>
    private static long Accepted(string stubStatus)
    {
        var match = StubStatusCounters().Match(stubStatus);
        Assert.True(match.Success, stubStatus);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"server accepts handled requests\s+(\d+) (\d+) (\d+)")]
    private static partial Regex StubStatusCounters();
}
