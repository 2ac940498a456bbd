namespace Junction.Stats;

/// <summary>
/// A naming scope for stats. Asking twice for the same name returns the same object, so configuration
/// reloads keep counting where they left off. Call at configuration time only; hold the result.
/// </summary>
public interface IStatsScope
{
    /// <summary>The prefix this scope adds, ending in a dot (empty for the root).</summary>
    string Prefix { get; }

    /// <summary>The counter named <see cref="Prefix"/> + <paramref name="name"/>.</summary>
    Counter Counter(string name);

    /// <summary>The gauge named <see cref="Prefix"/> + <paramref name="name"/>.</summary>
    Gauge Gauge(string name);

    /// <summary>
    /// The histogram named <see cref="Prefix"/> + <paramref name="name"/>, with Envoy's default
    /// buckets (<see cref="Stats.Histogram.DefaultBounds"/>, milliseconds for timings).
    /// </summary>
    Histogram Histogram(string name);

    /// <summary>A child scope; <paramref name="name"/> is appended to the prefix followed by a dot.</summary>
    IStatsScope Scope(string name);
}
