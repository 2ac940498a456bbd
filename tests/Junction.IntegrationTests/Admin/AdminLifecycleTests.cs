using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// Admin endpoints that change the process, each on a process of its own: health-check failure,
/// draining (SIGTERM and /quitquitquit), the run-time log level, and stats following real traffic.
/// </summary>
public sealed class AdminLifecycleTests
{
    private const int SigTerm = 15;

    [Fact]
    public async Task ReadyFailsAfterHealthCheckFailAndRecoversAfterHealthCheckOk()
    {
        await using var junction = await AdminJunction.StartAsync();
        Assert.Equal((200, "LIVE\n"), await ReadyAsync(junction));

        var fail = await junction.PostAsync("/healthcheck/fail");
        Assert.Equal((200, "OK\n"), (fail.Status, fail.Body));
        Assert.Equal((503, "DRAINING\n"), await ReadyAsync(junction));
        Assert.Equal("DRAINING", await ServerStateAsync(junction));

        var ok = await junction.PostAsync("/healthcheck/ok");
        Assert.Equal((200, "OK\n"), (ok.Status, ok.Body));
        Assert.Equal((200, "LIVE\n"), await ReadyAsync(junction));
        Assert.Equal("LIVE", await ServerStateAsync(junction));
    }

    [Fact]
    public async Task AdminKeepsServingAndSaysDrainingWhileSigTermDrains()
    {
        await using var junction = await AdminJunction.StartAsync("--drain-time", "20s");
        using var client = await SocketTestExtensions.ConnectAsync(junction.Listener);
        await client.AssertEchoesAsync(1);

        junction.Process.Signal(SigTerm);
        await WaitForLogAsync(junction, "draining: stopped accepting; waiting up to 00:00:20 for 1 open connection(s)");

        Assert.Equal((503, "DRAINING\n"), await ReadyAsync(junction));
        Assert.Equal("DRAINING", await ServerStateAsync(junction));
        // The drain is real: the open connection still works and the stats still read.
        await client.AssertEchoesAsync(2);
        Assert.Contains("tcp.in.downstream_cx_total: 1\n", (await junction.GetAsync("/stats")).Body, StringComparison.Ordinal);
        Assert.False(junction.Process.HasExited);

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        Assert.Equal(0, await junction.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(junction.Process.Stderr, l => l.Contains("shutdown complete (0 connection(s) reset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QuitQuitQuitAnswersThenDrainsLikeSigTermAndExitsZero()
    {
        await using var junction = await AdminJunction.StartAsync("--drain-time", "20s");
        using var client = await SocketTestExtensions.ConnectAsync(junction.Listener);
        await client.AssertEchoesAsync(1);

        var (exitCode, stdout, stderr) = await ExternalTools.CurlAsync("-sS", "--fail", "-X", "POST", "--max-time", "10", $"http://{junction.Admin}/quitquitquit");

        Assert.True(exitCode == 0, $"curl exited {exitCode}: {stderr}");
        Assert.Equal("OK\n", stdout);
        await WaitForLogAsync(junction, "POST /quitquitquit received: shutting down (drain time 00:00:20)");
        await WaitForLogAsync(junction, "draining: stopped accepting; waiting up to 00:00:20 for 1 open connection(s)");
        Assert.Equal((503, "DRAINING\n"), await ReadyAsync(junction));
        await client.AssertEchoesAsync(2);

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        Assert.Equal(0, await junction.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task LogLevelChangesAtRunTime()
    {
        await using var junction = await AdminJunction.StartAsync("--log-level", "info");
        // Admin logs each request at debug level: the marker shows whether debug lines are written.
        await junction.GetAsync("/ready?before");

        var debug = await junction.PostAsync("/logging?level=debug");
        Assert.Equal("active log level: debug\n", debug.Body);
        await junction.GetAsync("/ready?during");
        await WaitForLogAsync(junction, "admin: GET /ready?during -> 200");

        var info = await junction.PostAsync("/logging?level=info");
        Assert.Equal("active log level: info\n", info.Body);
        await junction.GetAsync("/ready?after");
        // Log lines are written in order: once a later info line is out, a debug line for the request
        // before it would be out too.
        await junction.PostAsync("/logging?level=info");
        await Eventually.AssertAsync(
            () => junction.Process.Stderr.Count(l => l.Contains("log level set to info (admin)", StringComparison.Ordinal)) == 2,
            "the second \"log level set to info\" line");

        Assert.DoesNotContain(junction.Process.Stderr, l => l.Contains("/ready?before", StringComparison.Ordinal));
        Assert.DoesNotContain(junction.Process.Stderr, l => l.Contains("/ready?after", StringComparison.Ordinal));
        Assert.Equal("active log level: info\n", (await junction.GetAsync("/logging")).Body);
    }

    [Fact]
    public async Task StatsFollowTcpProxyTrafficInEveryFormat()
    {
        await using var junction = await AdminJunction.StartAsync();
        using (var client = await SocketTestExtensions.ConnectAsync(junction.Listener))
        {
            await client.AssertEchoesAsync(7);
            var clusters = await junction.GetAsync("/clusters");
            Assert.Contains($"backend::{junction.Echo.EndPoint}::cx_active::1\n", clusters.Body, StringComparison.Ordinal);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(PeerClose.EndOfStream, await client.WaitForCloseAsync());
        }

        // Byte counters are added when the connections have closed, a little after the client sees it.
        await EventuallyContainsAsync(junction, "/stats", "cluster.backend.upstream_cx_rx_bytes_total: 1\n");
        var text = (await junction.GetAsync("/stats")).Body;
        Assert.Contains("cluster.backend.upstream_cx_total: 1\n", text, StringComparison.Ordinal);
        Assert.Contains("tcp.in.downstream_cx_total: 1\n", text, StringComparison.Ordinal);
        Assert.Contains("cluster.backend.upstream_cx_active: 0\n", text, StringComparison.Ordinal);

        using (var json = JsonDocument.Parse((await junction.GetAsync("/stats?format=json&filter=upstream_cx_total")).Body))
        {
            var stat = Assert.Single(json.RootElement.GetProperty("stats").EnumerateArray());
            Assert.Equal(1, stat.GetProperty("value").GetInt64());
        }

        var (curlExit, prometheus, curlErrors) = await ExternalTools.CurlAsync("-sS", "--fail", "--max-time", "10", $"http://{junction.Admin}/stats/prometheus");
        Assert.True(curlExit == 0, $"curl exited {curlExit}: {curlErrors}");
        var lines = prometheus.Split('\n');
        Assert.Contains("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"backend\"} 1", lines);
        Assert.Contains("envoy_cluster_upstream_cx_rx_bytes_total{envoy_cluster_name=\"backend\"} 1", lines);
        Assert.Contains("envoy_tcp_downstream_cx_total{envoy_tcp_prefix=\"in\"} 1", lines);
        Assert.Contains("envoy_listener_downstream_cx_total{envoy_listener_address=\"127.0.0.1_0\"} 1", lines);

        var (promtoolExit, promtoolOut, promtoolErrors) = await ExternalTools.PromtoolCheckMetricsAsync(prometheus);
        Assert.True(promtoolExit == 0, $"promtool check metrics exited {promtoolExit}:\n{promtoolOut}{promtoolErrors}");
    }

    [Fact]
    public async Task AnAdminAddressInUseStopsStartupWithExitCode1()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        await using var echo = new TcpEchoServer();
        using var directory = new TempConfigDirectory();
        var path = directory.Write("admin.yaml", AdminYaml.Bootstrap(echo.Port, adminPort: ((IPEndPoint)taken.LocalEndPoint!).Port));

        var (exitCode, _, stderr) = await JunctionProcess.RunToExitAsync("-c", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"cannot bind listener 'admin' to {taken.LocalEndPoint}", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> ReadyAsync(AdminJunction junction)
    {
        var reply = await junction.GetAsync("/ready");
        return (reply.Status, reply.Body);
    }

    private static async Task<string?> ServerStateAsync(AdminJunction junction)
    {
        using var json = JsonDocument.Parse((await junction.GetAsync("/server_info")).Body);
        return json.RootElement.GetProperty("state").GetString();
    }

    private static Task WaitForLogAsync(AdminJunction junction, string text) =>
        Eventually.AssertAsync(
            () => junction.Process.Stderr.Any(l => l.Contains(text, StringComparison.Ordinal)),
            $"junction to log \"{text}\"");

    private static async Task EventuallyContainsAsync(AdminJunction junction, string target, string text)
    {
        var last = "";
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!(last = (await junction.GetAsync(target)).Body).Contains(text, StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{target} never contained \"{text}\"");
                await Task.Delay(20);
            }
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last:\n{last}", ex);
        }
    }
}
