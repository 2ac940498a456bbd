using System.Text.Json;
using System.Text.RegularExpressions;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// Each admin endpoint of the real binary answers with Envoy's status and content. These tests share
/// one process and change nothing on it (a state-changing endpoint is only asked with GET, which must
/// not change anything).
/// </summary>
public sealed class AdminEndpointTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    private AdminJunction Junction => fixture.Junction;

    [Fact]
    public async Task ReadyAnswersLiveToCurl()
    {
        var (exitCode, stdout, stderr) = await ExternalTools.CurlAsync("-sS", "--fail", "--max-time", "10", $"http://{Junction.Admin}/ready");
        Assert.True(exitCode == 0, $"curl exited {exitCode}: {stderr}");
        Assert.Equal("LIVE\n", stdout);
    }

    [Fact]
    public async Task ServerInfoReportsVersionStateOptionsNodeAndUptime()
    {
        var reply = await Junction.GetAsync("/server_info");

        Assert.Equal(200, reply.Status);
        Assert.Equal("application/json", reply.Header("Content-Type"));
        using var json = JsonDocument.Parse(reply.Body);
        var root = json.RootElement;
        Assert.StartsWith("0.1.0", root.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal("LIVE", root.GetProperty("state").GetString());
        Assert.Matches(@"^[0-9]+s$", root.GetProperty("uptime_current_epoch").GetString());
        Assert.Matches(@"^[0-9]+s$", root.GetProperty("uptime_all_epochs").GetString());
        var options = root.GetProperty("command_line_options");
        Assert.Equal(Junction.ConfigPath, options.GetProperty("config_path").GetString());
        Assert.Equal("info", options.GetProperty("log_level").GetString());
        Assert.Equal("7s", options.GetProperty("drain_time").GetString());
        Assert.Equal(AdminYaml.NodeId, root.GetProperty("node").GetProperty("id").GetString());
        Assert.Equal(AdminYaml.NodeCluster, root.GetProperty("node").GetProperty("cluster").GetString());
    }

    [Fact]
    public async Task StatsAreSortedNameValueLinesIncludingTheAdminListenersOwn()
    {
        var reply = await Junction.GetAsync("/stats");

        Assert.Equal(200, reply.Status);
        Assert.StartsWith("text/plain", reply.Header("Content-Type"), StringComparison.Ordinal);
        // Counters and gauges come first, sorted; histogram summary lines (if any) follow them.
        var lines = reply.Body.TrimEnd('\n').Split('\n')
            .TakeWhile(l => !l.Contains(": P0(", StringComparison.Ordinal) && !l.EndsWith(": No recorded values", StringComparison.Ordinal))
            .ToArray();
        Assert.All(lines, line => Assert.Matches(@"^[a-z0-9_.]+: -?[0-9]+$", line));
        var names = lines.Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("cluster.backend.upstream_cx_total", names);
        Assert.Contains("tcp.in.downstream_cx_total", names);
        // This very request is on the admin listener, so its connection gauge is at least 1.
        var active = lines.Single(l => l.StartsWith("listener.admin.downstream_cx_active: ", StringComparison.Ordinal));
        Assert.True(long.Parse(active.Split(": ")[1], System.Globalization.CultureInfo.InvariantCulture) >= 1, active);
    }

    [Fact]
    public async Task StatsFilterKeepsOnlyNamesMatchingTheRegex()
    {
        var reply = await Junction.GetAsync("/stats?filter=" + Uri.EscapeDataString(@"^cluster\.backend\.upstream_cx_(total|active)$"));

        Assert.Equal(200, reply.Status);
        Assert.Equal(["cluster.backend.upstream_cx_active", "cluster.backend.upstream_cx_total"],
            reply.Body.TrimEnd('\n').Split('\n').Select(l => l.Split(':')[0]));
    }

    [Fact]
    public async Task StatsFilterThatIsNotARegexIs400()
    {
        var reply = await Junction.GetAsync("/stats?filter=" + Uri.EscapeDataString("(unclosed"));
        Assert.Equal(400, reply.Status);
        Assert.Contains("Invalid regex", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsAsJsonAreNameValueObjects()
    {
        var reply = await Junction.GetAsync("/stats?format=json&filter=" + Uri.EscapeDataString(@"^cluster\.backend\.membership_total$"));

        Assert.Equal(200, reply.Status);
        Assert.Equal("application/json", reply.Header("Content-Type"));
        using var json = JsonDocument.Parse(reply.Body);
        var stat = Assert.Single(json.RootElement.GetProperty("stats").EnumerateArray());
        Assert.Equal("cluster.backend.membership_total", stat.GetProperty("name").GetString());
        Assert.Equal(1, stat.GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task PrometheusFormatHasOneTypeLinePerFamilyAndTaggedSeries()
    {
        var reply = await Junction.GetAsync("/stats/prometheus");

        Assert.Equal(200, reply.Status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", reply.Header("Content-Type"));
        var lines = reply.Body.TrimEnd('\n').Split('\n');
        Assert.Contains("# TYPE envoy_cluster_membership gauge", lines);
        Assert.Contains("envoy_cluster_membership{envoy_cluster_name=\"backend\"} 1", lines);
        Assert.Contains("# TYPE envoy_listener_downstream_cx_total counter", lines);
        Assert.Contains(lines, l => l.StartsWith("envoy_listener_downstream_cx_total{envoy_listener_address=\"admin\"} ", StringComparison.Ordinal));
        Assert.Contains("envoy_tcp_downstream_cx_total{envoy_tcp_prefix=\"in\"} 0", lines);
        var types = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToArray();
        Assert.Equal(types.Distinct().Count(), types.Length);
    }

    [Fact]
    public async Task ClustersListsEachHostInEnvoysTextFormat()
    {
        var reply = await Junction.GetAsync("/clusters");

        Assert.Equal(200, reply.Status);
        var host = $"backend::{Junction.Echo.EndPoint}::";
        var lines = reply.Body.TrimEnd('\n').Split('\n');
        Assert.Contains($"backend::default_priority::max_connections::{AdminYaml.MaxConnections}", lines);
        Assert.Contains("backend::default_priority::max_retries::3", lines);
        // HIGH thresholds are not configured there: Envoy's defaults, listed after DEFAULT's as Envoy does.
        Assert.Contains("backend::high_priority::max_connections::1024", lines);
        Assert.Contains("backend::high_priority::max_pending_requests::1024", lines);
        Assert.Contains("backend::high_priority::max_requests::1024", lines);
        Assert.Contains("backend::high_priority::max_retries::3", lines);
        Assert.Contains("backend::added_via_api::false", lines);
        Assert.Contains(host + "cx_active::0", lines);
        Assert.Contains(host + "weight::3", lines);
        Assert.Contains(host + "health_flags::healthy", lines);
        Assert.Contains(host + "hostname::", lines);
    }

    [Fact]
    public async Task ClustersAsJsonHaveHostStatuses()
    {
        var reply = await Junction.GetAsync("/clusters?format=json");

        Assert.Equal(200, reply.Status);
        using var json = JsonDocument.Parse(reply.Body);
        var cluster = Assert.Single(json.RootElement.GetProperty("cluster_statuses").EnumerateArray());
        Assert.Equal("backend", cluster.GetProperty("name").GetString());
        var host = Assert.Single(cluster.GetProperty("host_statuses").EnumerateArray());
        var address = host.GetProperty("address").GetProperty("socket_address");
        Assert.Equal("127.0.0.1", address.GetProperty("address").GetString());
        Assert.Equal(Junction.Echo.Port, address.GetProperty("port_value").GetInt32());
        Assert.Equal(3, host.GetProperty("weight").GetInt32());
    }

    [Fact]
    public async Task ConfigDumpIsTheLoadedBootstrapWithScalarTypes()
    {
        var reply = await Junction.GetAsync("/config_dump");

        Assert.Equal(200, reply.Status);
        using var json = JsonDocument.Parse(reply.Body);
        var dump = Assert.Single(json.RootElement.GetProperty("configs").EnumerateArray());
        Assert.Equal("type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", dump.GetProperty("@type").GetString());
        var bootstrap = dump.GetProperty("bootstrap");
        Assert.Equal(AdminYaml.NodeId, bootstrap.GetProperty("node").GetProperty("id").GetString());
        var cluster = bootstrap.GetProperty("static_resources").GetProperty("clusters")[0];
        Assert.Equal("backend", cluster.GetProperty("name").GetString());
        Assert.Equal("1s", cluster.GetProperty("connect_timeout").GetString());
        var endpoint = cluster.GetProperty("load_assignment").GetProperty("endpoints")[0].GetProperty("lb_endpoints")[0];
        Assert.Equal(3, endpoint.GetProperty("load_balancing_weight").GetInt32());
        Assert.Equal(Junction.Echo.Port, endpoint.GetProperty("endpoint").GetProperty("address").GetProperty("socket_address").GetProperty("port_value").GetInt32());
        var filter = bootstrap.GetProperty("static_resources").GetProperty("listeners")[0].GetProperty("filter_chains")[0].GetProperty("filters")[0];
        Assert.Equal("type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", filter.GetProperty("typed_config").GetProperty("@type").GetString());
    }

    [Fact]
    public async Task IndexListsEveryEndpoint()
    {
        var reply = await Junction.GetAsync("/");

        Assert.Equal(200, reply.Status);
        Assert.StartsWith("text/html", reply.Header("Content-Type"), StringComparison.Ordinal);
        foreach (var path in new[] { "/ready", "/server_info", "/stats", "/stats/prometheus", "/clusters", "/config_dump", "/logging" })
        {
            Assert.Contains($"<a href=\"{path}\">", reply.Body, StringComparison.Ordinal);
        }
        foreach (var path in new[] { "/quitquitquit", "/healthcheck/fail", "/healthcheck/ok" })
        {
            Assert.Contains($"<form method=\"post\" action=\"{path}\">", reply.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownPathIs404WithTheListOfCommands()
    {
        var reply = await Junction.GetAsync("/no/such/thing");

        Assert.Equal(404, reply.Status);
        Assert.StartsWith("invalid path. admin commands are:\n", reply.Body, StringComparison.Ordinal);
        Assert.Contains("  /quitquitquit (POST): ", reply.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/quitquitquit")]
    [InlineData("/healthcheck/fail")]
    [InlineData("/healthcheck/ok")]
    public async Task StateChangingEndpointsRefuseGetWith405AndChangeNothing(string path)
    {
        var reply = await Junction.GetAsync(path);

        Assert.Equal(405, reply.Status);
        Assert.Equal("POST", reply.Header("Allow"));
        Assert.Equal("Method GET not allowed, POST required.\n", reply.Body);
        Assert.Equal("LIVE\n", (await Junction.GetAsync("/ready")).Body);
        Assert.False(Junction.Process.HasExited);
    }

    [Fact]
    public async Task LoggingListsTheLevelAndRefusesChangesThatAreNotPostOrNotALevel()
    {
        Assert.Equal("active log level: info\n", (await Junction.GetAsync("/logging")).Body);

        var viaGet = await Junction.GetAsync("/logging?level=debug");
        Assert.Equal(405, viaGet.Status);

        var bogus = await Junction.PostAsync("/logging?level=loud");
        Assert.Equal(400, bogus.Status);
        Assert.Contains("unknown log level 'loud'", bogus.Body, StringComparison.Ordinal);

        var unsupported = await Junction.PostAsync("/logging?paths=main:debug");
        Assert.Equal(400, unsupported.Status);

        Assert.Equal("active log level: info\n", (await Junction.GetAsync("/logging")).Body);
    }

    [Fact]
    public async Task CurlReusesTheConnectionForSeveralRequests()
    {
        var (exitCode, stdout, stderr) = await ExternalTools.CurlAsync(
            "-sS", "-v", "--max-time", "10", $"http://{Junction.Admin}/ready", $"http://{Junction.Admin}/logging");

        Assert.True(exitCode == 0, $"curl exited {exitCode}: {stderr}");
        Assert.Equal("LIVE\nactive log level: info\n", stdout);
        Assert.Matches(new Regex("Re-?using existing connection", RegexOptions.IgnoreCase), stderr);
    }
}
