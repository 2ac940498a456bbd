using Junction.Core.Stats;
using Junction.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class HistogramSnapshotTests
{
    [Fact]
    public void EmptyHistogramHasNoQuantiles()
    {
        var snapshot = new HistogramSnapshot(new Histogram("h"));
        Assert.Equal(0, snapshot.Count);
        Assert.True(double.IsNaN(snapshot.Quantile(0.5)));
    }

    [Fact]
    public void ExtremeQuantilesAreTheRecordedMinimumAndMaximum()
    {
        var histogram = new Histogram("h");
        foreach (var value in new[] { 3.0, 7.0, 12.0, 4_000_000.0 }) histogram.Record(value);
        var snapshot = new HistogramSnapshot(histogram);
        Assert.Equal(3.0, snapshot.Quantile(0));
        Assert.Equal(4_000_000.0, snapshot.Quantile(1));
    }

    [Fact]
    public void QuantilesInterpolateInsideTheBucketThatHoldsThem()
    {
        var histogram = new Histogram("h", [10, 20, 30]);
        // Ten values in (10, 20], ten in (20, 30].
        for (var i = 0; i < 10; i++)
        {
            histogram.Record(11 + i * 0.5);
            histogram.Record(21 + i * 0.5);
        }
        var snapshot = new HistogramSnapshot(histogram);
        Assert.Equal(20, snapshot.Count);
        // Rank 5 of 20 is halfway through the bucket (10, 20]; its lower edge is the minimum, 11.
        Assert.Equal(11 + ((20 - 11) * 0.5), snapshot.Quantile(0.25), 9);
        Assert.Equal(20, snapshot.Quantile(0.5), 9);
        // Rank 15 is halfway through (20, 30], whose upper edge is the maximum, 25.5.
        Assert.Equal(20 + ((25.5 - 20) * 0.5), snapshot.Quantile(0.75), 9);
    }

    [Fact]
    public void OverflowBucketIsBoundedByTheMaximum()
    {
        var histogram = new Histogram("h", [1]);
        histogram.Record(100);
        histogram.Record(300);
        var snapshot = new HistogramSnapshot(histogram);
        Assert.Equal(new long[] { 0, 2 }, snapshot.Counts);
        // The bucket (1, +Inf) is read as (min, max] = (100, 300].
        Assert.Equal(200, snapshot.Quantile(0.5), 9);
    }
}
