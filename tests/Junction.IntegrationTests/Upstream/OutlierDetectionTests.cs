using System.Net;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Upstream;

/// <summary>
/// Outlier detection through the real proxy: hosts that fail real requests leave the load balancer and
/// come back after their ejection time. Every wait is on a stat with a deadline.
/// </summary>
public sealed class OutlierDetectionTests
{
    private static HttpClient ClientFor(InProcessProxy proxy) => new() { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

    /// <summary>Who answered each request: the x-upstream name, or the status when the proxy answered.</summary>
    private static async Task<string[]> UpstreamsOfAsync(HttpClient client, int requests)
    {
        var names = new string[requests];
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync($"/r/{i}");
            names[i] = response.Headers.TryGetValues("x-upstream", out var values)
                ? values.Single() + (response.StatusCode == HttpStatusCode.OK ? "" : ":" + (int)response.StatusCode)
                : ((int)response.StatusCode).ToString();
        }
        return names;
    }

    private static string Outlier(string fields) => "    outlier_detection:\n" + string.Join("", fields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(f => "      " + f.Trim() + "\n"));

    [Fact]
    public async Task AHostAnswering5xxIsEjectedAfterConsecutiveFailuresAndReturnsAfterItsEjectionTime()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        a.FailStatus = 503;
        // The ejection lasts 3 s: far longer than the requests below take, so they never race the return.
        var cluster = Outlier("""
            consecutive_5xx: 3
            interval: 0.2s
            base_ejection_time: 3s
            max_ejection_percent: 50
            """);
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint, b.EndPoint], cluster));
        using var client = ClientFor(proxy);

        // Round robin alternates: a's third 503 comes within six requests and ejects it at once.
        var first = await UpstreamsOfAsync(client, 6);
        Assert.Equal(3, first.Count(n => n == "a:503"));
        Assert.Equal(3, first.Count(n => n == "b"));
        Assert.Equal(1, proxy.Counter("cluster.web.outlier_detection.ejections_enforced_consecutive_5xx"));
        Assert.Equal(1, proxy.Counter("cluster.web.outlier_detection.ejections_enforced_total"));
        Assert.Equal(1, proxy.Gauge("cluster.web.outlier_detection.ejections_active"));
        Assert.Equal(1, proxy.Gauge("cluster.web.membership_healthy"));
        Assert.All(await UpstreamsOfAsync(client, 10), name => Assert.Equal("b", name));

        a.FailStatus = 0;
        await proxy.GaugeReachesAsync("cluster.web.outlier_detection.ejections_active", 0);
        var names = await UpstreamsOfAsync(client, 10);
        Assert.Equal(5, names.Count(n => n == "a"));
        Assert.Equal(5, names.Count(n => n == "b"));
    }

    [Fact]
    public async Task SuccessRateEjectsTheOneHostFailingMostWhenEnoughHostsHaveTraffic()
    {
        var upstreams = new List<KestrelUpstream>();
        try
        {
            for (var i = 0; i < 5; i++) upstreams.Add(await KestrelUpstream.StartAsync("u" + i));
            upstreams[0].FailStatus = 500;
            // consecutive_5xx is out of reach, so only the interval's success rate can eject.
            var cluster = Outlier("""
                consecutive_5xx: 100000
                interval: 0.3s
                success_rate_minimum_hosts: 5
                success_rate_request_volume: 5
                max_ejection_percent: 20
                """);
            await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http(upstreams.Select(u => u.EndPoint), cluster));
            using var client = ClientFor(proxy);

            // Traffic until a sweep has seen an interval with enough requests on every host.
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (proxy.Counter("cluster.web.outlier_detection.ejections_enforced_success_rate") == 0)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(15)) throw new TimeoutException("no success-rate ejection within 15 s");
                await UpstreamsOfAsync(client, 10);
            }
            Assert.Equal(1, proxy.Counter("cluster.web.outlier_detection.ejections_enforced_success_rate"));
            Assert.Equal(1, proxy.Gauge("cluster.web.outlier_detection.ejections_active"));
            Assert.DoesNotContain(await UpstreamsOfAsync(client, 12), name => name.StartsWith("u0", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var upstream in upstreams) await upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task MaxEjectionPercentKeepsTheLastHostInEvenWhenItFailsToo()
    {
        await using var a = await KestrelUpstream.StartAsync("a");
        await using var b = await KestrelUpstream.StartAsync("b");
        a.FailStatus = 500;
        b.FailStatus = 500;
        var cluster = Outlier("""
            consecutive_5xx: 2
            base_ejection_time: 30s
            max_ejection_percent: 50
            """);
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([a.EndPoint, b.EndPoint], cluster));
        using var client = ClientFor(proxy);

        await UpstreamsOfAsync(client, 8);
        Assert.Equal(1, proxy.Gauge("cluster.web.outlier_detection.ejections_active"));
        Assert.Equal(1, proxy.Counter("cluster.web.outlier_detection.ejections_enforced_total"));
        Assert.True(proxy.Counter("cluster.web.outlier_detection.ejections_overflow") >= 1);
        // The host still in takes every request (no panic: one of two healthy is the 50% threshold).
        Assert.Single((await UpstreamsOfAsync(client, 6)).Distinct());
    }

    [Fact]
    public async Task WithTheSplitARefusedPortIsEjectedForLocalOriginFailures()
    {
        using var refusing = new RefusingEndPoint();
        await using var b = await KestrelUpstream.StartAsync("b");
        var cluster = Outlier("""
            split_external_local_origin_errors: true
            consecutive_local_origin_failure: 2
            consecutive_5xx: 2
            max_ejection_percent: 50
            """);
        await using var proxy = await InProcessProxy.StartAsync(UpstreamYaml.Http([refusing.EndPoint, b.EndPoint], cluster));
        using var client = ClientFor(proxy);

        var first = await UpstreamsOfAsync(client, 4);
        Assert.Equal(2, first.Count(n => n == "503"));
        Assert.Equal(2, first.Count(n => n == "b"));
        Assert.Equal(1, proxy.Counter("cluster.web.outlier_detection.ejections_enforced_consecutive_local_origin_failure"));
        Assert.Equal(0, proxy.Counter("cluster.web.outlier_detection.ejections_detected_consecutive_5xx"));
        Assert.All(await UpstreamsOfAsync(client, 6), name => Assert.Equal("b", name));
    }
}
