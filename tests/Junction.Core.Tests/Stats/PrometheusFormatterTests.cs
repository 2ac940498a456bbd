using Junction.Core.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class PrometheusFormatterTests
{
    private static string Format(StatsStore store) => PrometheusFormatter.Format(StatsSnapshot.Take(store));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void ClusterStatsBecomeEnvoyNamesWithTheClusterAsALabel()
    {
        var store = new StatsStore();
        store.Scope("cluster").Scope("backend").Counter("upstream_cx_total").Add(3);

        Assert.Equal(
            [
                "# HELP envoy_cluster_upstream_cx_total cluster.<envoy_cluster_name>.upstream_cx_total",
                "# TYPE envoy_cluster_upstream_cx_total counter",
                "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"backend\"} 3",
            ],
            Lines(Format(store)));
    }

    [Theory]
    [InlineData("listener.127.0.0.1_15000.downstream_cx_active", "envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_15000\"} 1")]
    [InlineData("listener.admin.downstream_cx_active", "envoy_listener_downstream_cx_active{envoy_listener_address=\"admin\"} 1")]
    [InlineData("tcp.in.upstream_cx_active", "envoy_tcp_upstream_cx_active{envoy_tcp_prefix=\"in\"} 1")]
    [InlineData("http.ingress.downstream_rq_active", "envoy_http_downstream_rq_active{envoy_http_conn_manager_prefix=\"ingress\"} 1")]
    [InlineData("server.live", "envoy_server_live 1")]
    public void GaugesAreTaggedLikeEnvoy(string name, string sample)
    {
        var store = new StatsStore();
        store.Gauge(name).Set(1);
        Assert.Contains(sample, Lines(Format(store)));
    }

    [Theory]
    // promtool wants counters to end in _total ...
    [InlineData("cluster.b.upstream_cx_connect_fail", "Counter", "envoy_cluster_upstream_cx_connect_fail_total")]
    [InlineData("cluster.b.upstream_cx_rx_bytes_total", "Counter", "envoy_cluster_upstream_cx_rx_bytes_total")]
    // ... and nothing else to: Envoy's gauge membership_total loses the suffix.
    [InlineData("cluster.b.membership_total", "Gauge", "envoy_cluster_membership")]
    [InlineData("cluster.b.rq_time_total", "Histogram", "envoy_cluster_rq_time")]
    // _count, _sum and _bucket belong to histograms.
    [InlineData("pool.cx_count", "Gauge", "envoy_pool_cx_count_value")]
    [InlineData("pool.cx_count", "Counter", "envoy_pool_cx_count_total")]
    // Anything but letters, digits and underscores becomes an underscore (colons too: promtool reserves them).
    [InlineData("a-b.c:d/e f", "Gauge", "envoy_a_b_c_d_e_f")]
    public void FamilyNamesFollowPrometheusConventions(string taggedName, string kind, string expected)
    {
        Assert.Equal(expected, PrometheusFormatter.FamilyName(StatTagExtractor.Extract(taggedName).Name, Enum.Parse<StatKind>(kind)));
    }

    [Fact]
    public void LabelValuesEscapeBackslashQuoteAndNewline()
    {
        var store = new StatsStore();
        store.Scope("tcp").Scope("we\"ird\\pre\nfix").Counter("idle_timeout").Increment();
        Assert.Contains("envoy_tcp_idle_timeout_total{envoy_tcp_prefix=\"we\\\"ird\\\\pre\\nfix\"} 1", Lines(Format(store)));
        Assert.Equal("plain", PrometheusFormatter.EscapeLabelValue("plain"));
    }

    [Fact]
    public void EachFamilyHasOneTypeLineAndItsSeriesTogetherSortedByLabel()
    {
        var store = new StatsStore();
        store.Scope("cluster").Scope("zeta").Counter("upstream_cx_total").Add(1);
        store.Scope("cluster").Scope("alpha").Counter("upstream_cx_total").Add(2);
        store.Scope("cluster").Scope("alpha").Gauge("upstream_cx_active").Set(5);

        Assert.Equal(
            [
                "# HELP envoy_cluster_upstream_cx_active cluster.<envoy_cluster_name>.upstream_cx_active",
                "# TYPE envoy_cluster_upstream_cx_active gauge",
                "envoy_cluster_upstream_cx_active{envoy_cluster_name=\"alpha\"} 5",
                "# HELP envoy_cluster_upstream_cx_total cluster.<envoy_cluster_name>.upstream_cx_total",
                "# TYPE envoy_cluster_upstream_cx_total counter",
                "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"alpha\"} 2",
                "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"zeta\"} 1",
            ],
            Lines(Format(store)));
    }

    [Fact]
    public void HistogramsHaveCumulativeBucketsThenSumAndCount()
    {
        var store = new StatsStore();
        var histogram = store.Scope("http").Scope("in").Histogram("downstream_rq_time");
        foreach (var value in new[] { 0.2, 0.5, 3.0, 3.0, 7_200_000.0 }) histogram.Record(value);

        var lines = Lines(Format(store));

        Assert.Equal("# TYPE envoy_http_downstream_rq_time histogram", lines[1]);
        var buckets = lines.Where(l => l.StartsWith("envoy_http_downstream_rq_time_bucket", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Junction.Stats.Histogram.DefaultBounds.Length + 1, buckets.Length);
        Assert.Equal("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"in\",le=\"0.5\"} 2", buckets[0]);
        Assert.Equal("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"in\",le=\"1\"} 2", buckets[1]);
        Assert.Equal("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"in\",le=\"5\"} 4", buckets[2]);
        Assert.Equal("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"in\",le=\"3600000\"} 4", buckets[^2]);
        Assert.Equal("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"in\",le=\"+Inf\"} 5", buckets[^1]);
        var counts = buckets.Select(b => long.Parse(b[(b.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (var i = 1; i < counts.Length; i++) Assert.True(counts[i] >= counts[i - 1], $"bucket {i} is not cumulative: {string.Join(",", counts)}");
        Assert.Contains("envoy_http_downstream_rq_time_sum{envoy_http_conn_manager_prefix=\"in\"} 7200006.7", lines);
        Assert.Contains("envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix=\"in\"} 5", lines);
    }

    [Fact]
    public void AStatWhoseFamilyAlreadyHasAnotherTypeIsLeftOut()
    {
        var store = new StatsStore();
        store.Gauge("queue.depth").Set(4);
        store.Histogram("queue.depth").Record(1);

        var text = Format(store);

        Assert.Single(Lines(text), l => l.StartsWith("# TYPE envoy_queue_depth ", StringComparison.Ordinal));
        Assert.Contains("envoy_queue_depth 4", Lines(text));
        Assert.DoesNotContain("envoy_queue_depth_bucket", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FloatsUseThePrometheusSpellings()
    {
        Assert.Equal("+Inf", PrometheusFormatter.FormatDouble(double.PositiveInfinity));
        Assert.Equal("-Inf", PrometheusFormatter.FormatDouble(double.NegativeInfinity));
        Assert.Equal("NaN", PrometheusFormatter.FormatDouble(double.NaN));
        Assert.Equal("0.5", PrometheusFormatter.FormatDouble(0.5));
        Assert.Equal("1800000", PrometheusFormatter.FormatDouble(1_800_000));
    }

    [Fact]
    public async Task OutputOfEveryKindPassesPromtool()
    {
        var store = new StatsStore();
        var cluster = store.Scope("cluster").Scope("back\"end");
        cluster.Counter("upstream_cx_total").Add(7);
        cluster.Counter("upstream_cx_connect_fail").Increment();
        cluster.Gauge("membership_total").Set(3);
        cluster.Gauge("circuit_breakers.default.cx_open");
        store.Scope("cluster").Scope("other").Counter("upstream_cx_total").Add(1);
        store.Scope("listener").Scope("127.0.0.1_15000").Counter("downstream_cx_total").Add(2);
        store.Scope("listener").Scope("admin").Gauge("downstream_cx_active").Set(1);
        store.Scope("tcp").Scope("in").Counter("idle_timeout");
        store.Counter("access_log.dropped_lines");
        store.Gauge("odd-name:with.chars");
        var histogram = store.Scope("http").Scope("ingress").Histogram("downstream_rq_time");
        foreach (var value in new[] { 0.3, 12.0, 480.0, 9_999_999.0 }) histogram.Record(value);
        store.Scope("cluster").Scope("other").Histogram("upstream_rq_time");

        var (exitCode, output) = await Promtool.CheckMetricsAsync(Format(store));

        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }
}
