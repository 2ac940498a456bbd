using System.Globalization;
using System.Text.RegularExpressions;
using Junction.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// A bounded wrk run (1 thread, 16 connections, 3 s) through the proxy to nginx: every request wrk
/// completed must be a 2xx without socket errors, and the proxy's own count must agree. No timing or
/// throughput is asserted. nginx's keepalive_requests (100 here) makes it close upstream connections
/// along the way, which the proxy must handle without a failed request.
/// </summary>
[Collection(HttpPeersCollection.Name)]
public sealed partial class WrkLoadTests(ITestOutputHelper output)
{
    private const int Connections = 16;

    [Fact]
    public async Task WrkSeesOnlySuccessesAndTheProxyCountsTheSameRequests()
    {
        await using var nginx = await NginxUpstream.StartAsync();
        await using var proxy = await PeerProxy.StartAsync("nginx", nginx.Port);

        var (exitCode, stdout, stderr) = await PeerTools.RunAsync(PeerTools.Find("wrk"),
            ["-t1", $"-c{Connections}", "-d3s", proxy.Url("/" + NginxUpstream.SmallFile)], TimeSpan.FromSeconds(20));
        Assert.True(exitCode == 0, $"wrk exited {exitCode}: {stdout} {stderr}");
        var report = WrkReport.Parse(stdout);

        Assert.True(report.Requests > 0, stdout);
        Assert.True(report.SocketErrors == 0, "wrk saw socket errors:\n" + stdout);
        Assert.True(report.Non2xx3xx == 0, "wrk saw non-2xx/3xx responses:\n" + stdout);
        // wrk counts the responses it read in time; the proxy also counts those still in flight when
        // wrk stopped and closed its connections, at most one per connection.
        await proxy.GaugeReachesAsync("http.ingress.downstream_cx_active", 0);
        await proxy.GaugeReachesAsync("http.ingress.downstream_rq_active", 0);
        var proxied = proxy.Counter("http.ingress.downstream_rq_2xx");
        output.WriteLine($"{stdout}\nproxy: downstream_rq_2xx {proxied}, upstream connections {proxy.Counter("cluster.nginx.upstream_cx_total")}");
        Assert.True(proxied >= report.Requests && proxied - report.Requests <= Connections,
            $"proxy counted {proxied} 2xx, wrk completed {report.Requests}:\n{stdout}");
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_rq_5xx"));
        Assert.Equal(0, proxy.Counter("http.ingress.downstream_rq_4xx"));
    }

    /// <summary>The figures of wrk's summary this test checks.</summary>
    private readonly record struct WrkReport(long Requests, long SocketErrors, long Non2xx3xx)
    {
        /// <summary>
        /// Parses "N requests in 3.00s, ..."; the lines "Socket errors: connect A, read B, write C,
        /// timeout D" and "Non-2xx or 3xx responses: N" appear only when those are not zero.
        /// </summary>
        public static WrkReport Parse(string output)
        {
            var requests = RequestsLine().Match(output);
            Assert.True(requests.Success, "no request count in wrk's output:\n" + output);
            var errors = SocketErrorsLine().Match(output);
            var socketErrors = errors.Success
                ? Enumerable.Range(1, 4).Sum(group => long.Parse(errors.Groups[group].Value, CultureInfo.InvariantCulture))
                : 0;
            var non2xx = Non2xxLine().Match(output);
            return new WrkReport(
                long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
                socketErrors,
                non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
        }
    }

    [GeneratedRegex(@"^\s*(\d+) requests in ", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxLine();
}
