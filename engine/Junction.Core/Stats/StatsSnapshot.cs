using System.Text.RegularExpressions;

namespace Junction.Core.Stats;

/// <summary>
/// Every stat of a <see cref="StatsStore"/> (or those matching a filter) copied at one moment and
/// sorted by name, ready for the formatters. Taking one walks the whole store: admin only.
/// </summary>
internal sealed class StatsSnapshot(IReadOnlyList<StatValue> values, IReadOnlyList<HistogramSnapshot> histograms)
{
    /// <summary>Counters and gauges together, sorted by name (ordinal).</summary>
    public IReadOnlyList<StatValue> Values { get; } = values;

    /// <summary>Histograms, sorted by name (ordinal).</summary>
    public IReadOnlyList<HistogramSnapshot> Histograms { get; } = histograms;

    /// <summary>
    /// Copies the stats of <paramref name="store"/>. <paramref name="filter"/> keeps the names it
    /// matches anywhere (Envoy's <c>filter</c> parameter); <paramref name="usedOnly"/> keeps counters
    /// and gauges that are not zero and histograms with at least one value (the closest this store
    /// comes to Envoy's "used" flag, which remembers whether a stat was ever written).
    /// </summary>
    public static StatsSnapshot Take(StatsStore store, Regex? filter = null, bool usedOnly = false)
    {
        var values = new List<StatValue>();
        foreach (var counter in store.Counters)
        {
            if (Keep(counter.Name)) values.Add(new StatValue(counter.Name, StatKind.Counter, counter.Value));
        }
        foreach (var gauge in store.Gauges)
        {
            if (Keep(gauge.Name)) values.Add(new StatValue(gauge.Name, StatKind.Gauge, gauge.Value));
        }
        if (usedOnly) values.RemoveAll(v => v.Value == 0);
        values.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        var histograms = new List<HistogramSnapshot>();
        foreach (var histogram in store.Histograms)
        {
            if (!Keep(histogram.Name)) continue;
            var snapshot = new HistogramSnapshot(histogram);
            if (!usedOnly || snapshot.Count > 0) histograms.Add(snapshot);
        }
        histograms.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new StatsSnapshot(values, histograms);

        bool Keep(string name) => filter is null || filter.IsMatch(name);
    }
}
