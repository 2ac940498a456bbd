using Junction.Core.Configuration;

namespace Junction.Core.Tests.Configuration;

public sealed class HealthCheckBinderTests
{
    private static string Cluster(string fields) => $$"""
        static_resources:
          clusters:
          - name: web
        {{string.Join("\n", fields.Split('\n').Select(l => "    " + l))}}
        """;

    [Fact]
    public void IntervalsBindAndDefaultAsInEnvoy()
    {
        var clusters = ConfigAssert.BindValid($$"""
            static_resources:
              clusters:
              - name: all
                health_checks:
                - timeout: 1s
                  interval: 2s
                  no_traffic_interval: 30s
                  no_traffic_healthy_interval: 40s
                  unhealthy_interval: 5s
                  unhealthy_edge_interval: 6s
                  healthy_edge_interval: 7s
                  unhealthy_threshold: 1
                  healthy_threshold: 1
                  tcp_health_check: {}
              - name: some
                health_checks:
                - { timeout: 1s, interval: 2s, no_traffic_interval: 30s, unhealthy_interval: 5s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }
              - name: none
                health_checks:
                - { timeout: 1s, interval: 2s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }
            """).Clusters;
        static TimeSpan S(int seconds) => TimeSpan.FromSeconds(seconds);

        Assert.Equal(new HealthCheckIntervals(S(2), S(30), S(40), S(5), S(6), S(7)), clusters[0].HealthCheck!.Intervals);
        // no_traffic_healthy_interval follows no_traffic_interval, unhealthy_edge_interval unhealthy_interval.
        Assert.Equal(new HealthCheckIntervals(S(2), S(30), S(30), S(5), S(5), S(2)), clusters[1].HealthCheck!.Intervals);
        Assert.Equal(new HealthCheckIntervals(S(2), S(60), S(60), S(2), S(2), S(2)), clusters[2].HealthCheck!.Intervals);
    }

    [Fact]
    public void AnHttpHealthCheckBindsEveryField()
    {
        var config = ConfigAssert.BindValid(Cluster("""
            health_checks:
            - timeout: 1s
              interval: 0.5s
              interval_jitter: 0.1s
              no_traffic_interval: 60s
              unhealthy_threshold: 3
              healthy_threshold: { value: 2 }
              http_health_check:
                path: /healthz
                host: health.local
                expected_statuses: [{ start: 200, end: 300 }, { start: 404, end: 405 }]
                retriable_statuses: [{ start: 503, end: 504 }]
                request_headers_to_add: [{ header: { key: x-probe, value: junction } }]
            common_lb_config: { healthy_panic_threshold: { value: 25.5 } }
            """)).Clusters[0];

        var hc = config.HealthCheck!;
        Assert.Equal(TimeSpan.FromSeconds(1), hc.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), hc.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(100), hc.IntervalJitter);
        Assert.Equal(3, hc.UnhealthyThreshold);
        Assert.Equal(2, hc.HealthyThreshold);
        Assert.Equal("/healthz", hc.Http!.Path);
        Assert.Equal("health.local", hc.Http.Host);
        Assert.Equal([new StatusRange(200, 300), new StatusRange(404, 405)], hc.Http.ExpectedStatuses);
        Assert.Equal([new StatusRange(503, 504)], hc.Http.RetriableStatuses);
        Assert.Equal([new KeyValuePair<string, string>("x-probe", "junction")], hc.Http.RequestHeaders);
        Assert.Equal(25.5, config.LoadBalancer.HealthyPanicThreshold);
    }

    [Fact]
    public void ATcpHealthCheckDecodesHexPayloads()
    {
        var hc = ConfigAssert.BindValid(Cluster("""
            health_checks:
            - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: { send: { text: "0102ff" }, receive: [{ text: "AB" }] } }
            """)).Clusters[0].HealthCheck!;
        Assert.Equal(new byte[] { 1, 2, 0xff }, hc.Tcp!.Send);
        Assert.Equal(new byte[] { 0xab }, Assert.Single(hc.Tcp.Receive));
    }

    [Theory]
    [InlineData("{ interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }", "{ ", "static_resources.clusters[0].health_checks[0]", "missing required field 'timeout'")]
    [InlineData("{ timeout: 0s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }", "0s", "static_resources.clusters[0].health_checks[0].timeout", "timeout must be greater than 0")]
    [InlineData("{ timeout: 1s, interval: 1s, healthy_threshold: 1, tcp_health_check: {} }", "{ ", "static_resources.clusters[0].health_checks[0]", "missing required field 'unhealthy_threshold'")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1 }", "{ ", "static_resources.clusters[0].health_checks[0]", "needs http_health_check or tcp_health_check")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {}, event_log_path: /tmp/hc }", "/tmp/hc", "static_resources.clusters[0].health_checks[0].event_log_path", "field 'event_log_path' is not supported")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, grpc_health_check: {} }", "{} }", "static_resources.clusters[0].health_checks[0].grpc_health_check", "field 'grpc_health_check' is not supported")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: { send: { text: xyz } } }", "xyz", "static_resources.clusters[0].health_checks[0].tcp_health_check.send.text", "even number of hex digits")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: /h, expected_statuses: [{ start: 300, end: 200 }] } }", "{ start: 300", "static_resources.clusters[0].health_checks[0].http_health_check.expected_statuses[0]", "must be less than end")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: /h, method: HEAD } }", "HEAD", "static_resources.clusters[0].health_checks[0].http_health_check.method", "field 'method' is not supported")]
    [InlineData("{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: /h, typo: 1 } }", "typo:", "static_resources.clusters[0].health_checks[0].http_health_check.typo", "unknown field 'typo'")]
    public void HealthCheckErrorsNameTheLineAndPath(string entry, string at, string path, string message)
    {
        var yaml = Cluster("health_checks:\n- " + entry);
        var (_, diagnostics) = ConfigAssert.Bind(yaml);
        var (line, column) = Position(yaml, at);
        ConfigAssert.HasError(diagnostics, line, column, path, message);
    }

    [Theory]
    [InlineData("lb_policy: MAGLEV\nmaglev_lb_config: { table_size: 65536 }", "65536", "static_resources.clusters[0].maglev_lb_config.table_size", "table_size must be a prime number")]
    [InlineData("lb_policy: RING_HASH\nring_hash_lb_config: { minimum_ring_size: 4096, maximum_ring_size: 1024 }", "{ minimum", "static_resources.clusters[0].ring_hash_lb_config", "must not exceed maximum_ring_size")]
    [InlineData("lb_policy: RING_HASH\nring_hash_lb_config: { hash_function: MURMUR_HASH_2 }", "MURMUR_HASH_2", "static_resources.clusters[0].ring_hash_lb_config.hash_function", "unknown value 'MURMUR_HASH_2'")]
    [InlineData("common_lb_config: { healthy_panic_threshold: { value: 120 } }", "120", "static_resources.clusters[0].common_lb_config.healthy_panic_threshold.value", "out of range [0, 100]")]
    [InlineData("lb_policy: LEAST_REQUEST\nleast_request_lb_config: { choice_count: 1 }", "1 }", "static_resources.clusters[0].least_request_lb_config.choice_count", "out of range [2, 100]")]
    public void LoadBalancerConfigErrorsNameTheLineAndPath(string fields, string at, string path, string message)
    {
        var yaml = Cluster(fields);
        var (_, diagnostics) = ConfigAssert.Bind(yaml);
        var (line, column) = Position(yaml, at);
        ConfigAssert.SingleError(diagnostics, line, column, path, message);
    }

    /// <summary>The 1-based line and column where <paramref name="marker"/> first occurs in the last line that has it.</summary>
    private static (int Line, int Column) Position(string yaml, string marker)
    {
        var lines = yaml.Split('\n');
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            var at = lines[i].IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) return (i + 1, at + 1);
        }
        throw new ArgumentException($"'{marker}' is not in the YAML");
    }
}
