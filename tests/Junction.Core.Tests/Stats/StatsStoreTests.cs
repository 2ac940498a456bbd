using Junction.Core.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class StatsStoreTests
{
    [Fact]
    public void ScopedHistogramsAreNamedByTheirScopeAndShared()
    {
        var store = new StatsStore();
        var scope = store.Scope("http").Scope("ingress");

        var histogram = scope.Histogram("downstream_rq_time");

        Assert.Equal("http.ingress.downstream_rq_time", histogram.Name);
        Assert.Same(histogram, store.Scope("http").Scope("ingress").Histogram("downstream_rq_time"));
        Assert.Same(histogram, store.FindHistogram("http.ingress.downstream_rq_time"));
        Assert.Equal([histogram], store.Histograms);
    }

    [Fact]
    public void SnapshotSortsFiltersAndDropsUnusedStatsWhenAsked()
    {
        var store = new StatsStore();
        store.Counter("b.counter").Add(2);
        store.Gauge("a.gauge").Set(0);
        store.Counter("c.zero");
        store.Histogram("d.histogram");
        store.Histogram("e.histogram").Record(1);

        var all = StatsSnapshot.Take(store);
        Assert.Equal(["a.gauge", "b.counter", "c.zero"], all.Values.Select(v => v.Name));
        Assert.Equal([StatKind.Gauge, StatKind.Counter, StatKind.Counter], all.Values.Select(v => v.Kind));
        Assert.Equal(["d.histogram", "e.histogram"], all.Histograms.Select(h => h.Name));

        var filtered = StatsSnapshot.Take(store, new System.Text.RegularExpressions.Regex("count|e\\.h"));
        Assert.Equal(["b.counter"], filtered.Values.Select(v => v.Name));
        Assert.Equal(["e.histogram"], filtered.Histograms.Select(h => h.Name));

        var used = StatsSnapshot.Take(store, usedOnly: true);
        Assert.Equal(["b.counter"], used.Values.Select(v => v.Name));
        Assert.Equal(["e.histogram"], used.Histograms.Select(h => h.Name));
    }
}
