using Junction.Stats;

namespace Junction.Core.Stats;

/// <summary>
/// A copy of a <see cref="Histogram"/> at one moment, for exposition: bucket counts, sum, extremes,
/// and quantiles estimated from the buckets.
/// </summary>
internal sealed class HistogramSnapshot
{
    /// <summary>The quantiles Envoy's admin reports (P0, P25, ... P100), as fractions.</summary>
    public static IReadOnlyList<double> SupportedQuantiles { get; } = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

    private readonly double[] _bounds;
    private readonly long[] _counts;

    public HistogramSnapshot(Histogram histogram)
    {
        Name = histogram.Name;
        _bounds = histogram.Bounds.ToArray();
        _counts = new long[histogram.BucketCount];
        // Buckets first: see Histogram's remarks on what the sum and extremes then include.
        histogram.CopyBucketCounts(_counts);
        Sum = histogram.Sum;
        Min = histogram.Min;
        Max = histogram.Max;
        foreach (var count in _counts) Count += count;
    }

    public string Name { get; }

    /// <summary>The buckets' upper bounds; the overflow bucket (above the last) has none.</summary>
    public IReadOnlyList<double> Bounds => _bounds;

    /// <summary>Values per bucket (not cumulative), the overflow bucket last.</summary>
    public IReadOnlyList<long> Counts => _counts;

    public long Count { get; }

    public double Sum { get; }

    public double Min { get; }

    public double Max { get; }

    /// <summary>
    /// The value below which a fraction <paramref name="q"/> of the recorded values fall, estimated by
    /// linear interpolation inside the bucket that holds it (as Prometheus' <c>histogram_quantile</c>
    /// does), with the recorded minimum and maximum as the outer edges of the first and overflow
    /// buckets. Exact for q = 0 (the minimum) and q = 1 (the maximum). NaN when nothing was recorded.
    /// </summary>
    public double Quantile(double q)
    {
        if (Count == 0) return double.NaN;
        if (q <= 0) return Min;
        if (q >= 1) return Max;
        var rank = q * Count;
        long below = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            var count = _counts[i];
            if (count == 0 || below + count < rank)
            {
                below += count;
                continue;
            }
            var lower = Math.Max(i == 0 ? Min : _bounds[i - 1], Min);
            var upper = Math.Min(i < _bounds.Length ? _bounds[i] : Max, Max);
            if (upper < lower) upper = lower;
            return lower + ((upper - lower) * (rank - below) / count);
        }
        return Max;
    }
}
