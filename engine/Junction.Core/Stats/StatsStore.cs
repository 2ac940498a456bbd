using System.Collections.Concurrent;
using Junction.Stats;

namespace Junction.Core.Stats;

/// <summary>
/// The process-wide home of every counter, gauge and histogram. Stats are created on first request by
/// name and then held by the code that updates them; the store outlives configuration reloads, so a
/// reload that asks for the same names keeps the same objects and values.
/// </summary>
internal sealed class StatsStore : IStatsScope
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Gauge> _gauges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _histograms = new(StringComparer.Ordinal);

    public string Prefix => "";

    public Counter Counter(string name) => _counters.GetOrAdd(name, static n => new Counter(n));

    public Gauge Gauge(string name) => _gauges.GetOrAdd(name, static n => new Gauge(n));

    public Histogram Histogram(string name) => _histograms.GetOrAdd(name, static n => new Histogram(n));

    public IStatsScope Scope(string name) => new StatsScope(this, name + ".");

    /// <summary>Every counter, for exposition (admin). Not for the data path.</summary>
    public IEnumerable<Counter> Counters => _counters.Values;

    /// <summary>Every gauge, for exposition (admin). Not for the data path.</summary>
    public IEnumerable<Gauge> Gauges => _gauges.Values;

    /// <summary>Every histogram, for exposition (admin). Not for the data path.</summary>
    public IEnumerable<Histogram> Histograms => _histograms.Values;

    /// <summary>The counter with this full name, if it exists (tests and admin).</summary>
    public long CounterValue(string fullName) => _counters.TryGetValue(fullName, out var c) ? c.Value : 0;

    /// <summary>The gauge with this full name, if it exists (tests and admin).</summary>
    public long GaugeValue(string fullName) => _gauges.TryGetValue(fullName, out var g) ? g.Value : 0;

    /// <summary>The histogram with this full name, or null (tests and admin).</summary>
    public Histogram? FindHistogram(string fullName) => _histograms.TryGetValue(fullName, out var h) ? h : null;

    private sealed class StatsScope(StatsStore store, string prefix) : IStatsScope
    {
        public string Prefix { get; } = prefix;

        public Counter Counter(string name) => store.Counter(Prefix + name);

        public Gauge Gauge(string name) => store.Gauge(Prefix + name);

        public Histogram Histogram(string name) => store.Histogram(Prefix + name);

        public IStatsScope Scope(string name) => new StatsScope(store, Prefix + name + ".");
    }
}
