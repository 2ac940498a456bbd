namespace Junction.Stats;

/// <summary>
/// A distribution of values (latencies in milliseconds, sizes) counted in fixed buckets, with their
/// sum, minimum and maximum. Pre-resolved like <see cref="Counter"/>: recording is a few atomic
/// operations on memory allocated when the histogram was created, never a lookup or an allocation,
/// and it is safe from any number of threads at once.
/// </summary>
/// <remarks>
/// A value falls in the first bucket whose upper bound is greater than or equal to it (Prometheus'
/// <c>le</c>), or in the overflow bucket above the last bound. Readers see each bucket, the sum and
/// the extremes atomically, but not all of them at one instant. A value reaches its bucket last, so a
/// reader that calls <see cref="CopyBucketCounts"/> before reading <see cref="Sum"/>, <see cref="Min"/>
/// and <see cref="Max"/> finds every counted value in them (and perhaps a value still being recorded).
/// </remarks>
public sealed class Histogram
{
    // Envoy's default bucket bounds (source/common/stats/histogram_impl.cc), in milliseconds for
    // timings: from half a millisecond up to an hour.
    private static readonly double[] s_defaultBounds =
    [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000,
        1_800_000, 3_600_000,
    ];

    private readonly double[] _bounds;
    // One count per bound, then the overflow bucket (values above the last bound).
    private readonly long[] _counts;
    private double _sum;
    // Bit patterns of the extremes; valid once the count is not zero.
    private long _minBits = BitConverter.DoubleToInt64Bits(double.PositiveInfinity);
    private long _maxBits = BitConverter.DoubleToInt64Bits(double.NegativeInfinity);

    /// <summary>Creates a histogram with <see cref="DefaultBounds"/>; use <see cref="IStatsScope.Histogram"/> so it is exported.</summary>
    public Histogram(string name)
        : this(name, s_defaultBounds)
    {
    }

    /// <summary>Creates a histogram with its own bucket upper bounds: finite and strictly increasing.</summary>
    /// <exception cref="ArgumentException">The bounds are empty, not finite or not strictly increasing.</exception>
    public Histogram(string name, ReadOnlySpan<double> bounds)
    {
        if (bounds.IsEmpty) throw new ArgumentException("a histogram needs at least one bucket bound", nameof(bounds));
        for (var i = 0; i < bounds.Length; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                throw new ArgumentException("bucket bounds must be finite and strictly increasing", nameof(bounds));
            }
        }
        Name = name;
        _bounds = bounds.ToArray();
        _counts = new long[_bounds.Length + 1];
    }

    /// <summary>
    /// Envoy's default bucket upper bounds: 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
    /// 10000, 30000, 60000, 300000, 600000, 1800000 and 3600000 (milliseconds, for timings).
    /// </summary>
    public static ReadOnlySpan<double> DefaultBounds => s_defaultBounds;

    /// <summary>The full stat name, e.g. <c>http.ingress.downstream_rq_time</c>.</summary>
    public string Name { get; }

    /// <summary>The upper bounds of the buckets, in increasing order (the overflow bucket has none).</summary>
    public ReadOnlySpan<double> Bounds => _bounds;

    /// <summary>The number of buckets including the overflow bucket: <see cref="Bounds"/> length plus one.</summary>
    public int BucketCount => _counts.Length;

    /// <summary>How many values have been recorded.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            for (var i = 0; i < _counts.Length; i++) count += Volatile.Read(ref _counts[i]);
            return count;
        }
    }

    /// <summary>The sum of the recorded values.</summary>
    public double Sum => Volatile.Read(ref _sum);

    /// <summary>The smallest recorded value; positive infinity while nothing has been recorded.</summary>
    public double Min => BitConverter.Int64BitsToDouble(Volatile.Read(ref _minBits));

    /// <summary>The largest recorded value; negative infinity while nothing has been recorded.</summary>
    public double Max => BitConverter.Int64BitsToDouble(Volatile.Read(ref _maxBits));

    /// <summary>
    /// Records one value. NaN and infinities are ignored: they belong to no bucket and would make the
    /// sum meaningless. Negative values count in the first bucket.
    /// </summary>
    public void Record(double value)
    {
        if (!double.IsFinite(value)) return;
        // The bucket last: a reader that copies the buckets first and then reads the sum and the
        // extremes always finds every counted value already reflected in them.
        if (value < Min) LowerMin(value);
        if (value > Max) RaiseMax(value);
        AddToSum(value);
        Interlocked.Increment(ref _counts[BucketIndex(value)]);
    }

    /// <summary>
    /// Copies the count of each bucket (not cumulative), the overflow bucket last, into
    /// <paramref name="destination"/>, which must hold at least <see cref="BucketCount"/> values.
    /// </summary>
    public void CopyBucketCounts(Span<long> destination)
    {
        if (destination.Length < _counts.Length) throw new ArgumentException($"needs room for {_counts.Length} buckets", nameof(destination));
        for (var i = 0; i < _counts.Length; i++) destination[i] = Volatile.Read(ref _counts[i]);
    }

    private int BucketIndex(double value)
    {
        // A binary search over at most a few dozen doubles: no allocation, a handful of compares.
        var index = _bounds.AsSpan().BinarySearch(value);
        return index >= 0 ? index : ~index;
    }

    private void AddToSum(double value)
    {
        var current = Volatile.Read(ref _sum);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _sum, current + value, current);
            // Compare bit patterns: a sum that is NaN never equals itself, which would loop forever.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current)) return;
            current = seen;
        }
    }

    private void LowerMin(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var current = Volatile.Read(ref _minBits);
        while (value < BitConverter.Int64BitsToDouble(current))
        {
            var seen = Interlocked.CompareExchange(ref _minBits, bits, current);
            if (seen == current) return;
            current = seen;
        }
    }

    private void RaiseMax(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var current = Volatile.Read(ref _maxBits);
        while (value > BitConverter.Int64BitsToDouble(current))
        {
            var seen = Interlocked.CompareExchange(ref _maxBits, bits, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
