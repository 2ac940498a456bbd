namespace Junction.Stats;

/// <summary>
/// A monotonically increasing count. Created once when configuration is built and then held by the code
/// that counts, so counting is one atomic add, never a lookup.
/// </summary>
public sealed class Counter
{
    private long _value;

    /// <summary>Creates a counter; use <see cref="IStatsScope.Counter"/> so it is exported.</summary>
    public Counter(string name) => Name = name;

    /// <summary>The full stat name, e.g. <c>cluster.backend.upstream_cx_total</c>.</summary>
    public string Name { get; }

    /// <summary>The current value.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds one.</summary>
    public void Increment() => Interlocked.Increment(ref _value);

    /// <summary>Adds <paramref name="amount"/> (non-negative).</summary>
    public void Add(long amount) => Interlocked.Add(ref _value, amount);
}
