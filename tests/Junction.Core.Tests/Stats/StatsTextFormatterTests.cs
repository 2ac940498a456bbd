using System.Text.Json;
using Junction.Core.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class StatsTextFormatterTests
{
    [Fact]
    public void CountersAndGaugesAreSortedNameValueLinesThenHistograms()
    {
        var store = new StatsStore();
        store.Counter("cluster.b.upstream_cx_total").Add(2);
        store.Gauge("cluster.a.upstream_cx_active").Set(-1);
        store.Histogram("http.in.downstream_rq_time");

        Assert.Equal(
            "cluster.a.upstream_cx_active: -1\n" +
            "cluster.b.upstream_cx_total: 2\n" +
            "http.in.downstream_rq_time: No recorded values\n",
            StatsTextFormatter.Format(StatsSnapshot.Take(store)));
    }

    [Fact]
    public void HistogramLineIsEnvoysQuantileSummary()
    {
        var store = new StatsStore();
        var histogram = store.Histogram("rq_time");
        for (var i = 1; i <= 4; i++) histogram.Record(i);

        var line = StatsTextFormatter.Format(StatsSnapshot.Take(store)).TrimEnd('\n');

        // P0 and P100 are the exact minimum and maximum; the rest are estimates from the buckets.
        Assert.Matches(
            @"^rq_time: P0\(nan,1\) P25\(nan,[0-9.]+\) P50\(nan,[0-9.]+\) P75\(nan,[0-9.]+\) P90\(nan,[0-9.]+\) " +
            @"P95\(nan,[0-9.]+\) P99\(nan,[0-9.]+\) P99\.5\(nan,[0-9.]+\) P99\.9\(nan,[0-9.]+\) P100\(nan,4\)$",
            line);
    }

    [Fact]
    public void JsonListsNameValueObjectsAndHistogramQuantiles()
    {
        var store = new StatsStore();
        store.Counter("b").Add(5);
        store.Gauge("a").Set(1);
        store.Histogram("h").Record(2);
        store.Histogram("empty");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) StatsJsonFormatter.Write(StatsSnapshot.Take(store), writer);

        using var json = JsonDocument.Parse(buffer.ToArray());
        var stats = json.RootElement.GetProperty("stats").EnumerateArray().ToArray();
        Assert.Equal(3, stats.Length);
        Assert.Equal("a", stats[0].GetProperty("name").GetString());
        Assert.Equal(1, stats[0].GetProperty("value").GetInt64());
        Assert.Equal("b", stats[1].GetProperty("name").GetString());
        Assert.Equal(5, stats[1].GetProperty("value").GetInt64());

        var histograms = stats[2].GetProperty("histograms");
        Assert.Equal(
            [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100],
            histograms.GetProperty("supported_quantiles").EnumerateArray().Select(q => q.GetDouble()));
        var computed = histograms.GetProperty("computed_quantiles").EnumerateArray().ToArray();
        Assert.Equal(["empty", "h"], computed.Select(c => c.GetProperty("name").GetString()));
        Assert.All(computed[0].GetProperty("values").EnumerateArray(), v => Assert.Equal(JsonValueKind.Null, v.GetProperty("cumulative").ValueKind));
        Assert.All(computed[1].GetProperty("values").EnumerateArray(), v => Assert.Equal(2, v.GetProperty("cumulative").GetDouble()));
    }
}
