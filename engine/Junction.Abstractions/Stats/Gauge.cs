namespace Junction.Stats;

/// <summary>A value that goes up and down, such as active connections. Pre-resolved like <see cref="Counter"/>.</summary>
public sealed class Gauge
{
    private long _value;

    /// <summary>Creates a gauge; use <see cref="IStatsScope.Gauge"/> so it is exported.</summary>
    public Gauge(string name) => Name = name;

    /// <summary>The full stat name, e.g. <c>listener.ingress.downstream_cx_active</c>.</summary>
    public string Name { get; }

    /// <summary>The current value.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds one.</summary>
    public void Increment() => Interlocked.Increment(ref _value);

    /// <summary>Subtracts one.</summary>
    public void Decrement() => Interlocked.Decrement(ref _value);

    /// <summary>Adds <paramref name="amount"/>, which may be negative.</summary>
    public void Add(long amount) => Interlocked.Add(ref _value, amount);

    /// <summary>Sets the value.</summary>
    public void Set(long value) => Volatile.Write(ref _value, value);
}
