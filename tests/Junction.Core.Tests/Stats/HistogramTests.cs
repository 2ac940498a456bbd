using Junction.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class HistogramTests
{
    private static long[] Buckets(Histogram histogram)
    {
        var counts = new long[histogram.BucketCount];
        histogram.CopyBucketCounts(counts);
        return counts;
    }

    [Fact]
    public void DefaultBoundsAreEnvoysInMilliseconds()
    {
        double[] envoy = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
        var histogram = new Histogram("h");
        Assert.Equal(envoy, Histogram.DefaultBounds.ToArray());
        Assert.Equal(envoy, histogram.Bounds.ToArray());
        Assert.Equal(envoy.Length + 1, histogram.BucketCount);
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.5, 0)] // a bound belongs to its own bucket (Prometheus' le)
    [InlineData(0.5000001, 1)]
    [InlineData(1.0, 1)]
    [InlineData(5.0, 2)]
    [InlineData(7.0, 3)]
    [InlineData(3_600_000.0, 18)]
    [InlineData(3_600_000.5, 19)] // the overflow bucket
    [InlineData(-3.0, 0)] // below every bound
    public void RecordCountsAValueInTheFirstBucketWhoseBoundIsAtLeastTheValue(double value, int bucket)
    {
        var histogram = new Histogram("h");
        histogram.Record(value);
        var expected = new long[histogram.BucketCount];
        expected[bucket] = 1;
        Assert.Equal(expected, Buckets(histogram));
    }

    [Fact]
    public void RecordKeepsCountSumMinAndMax()
    {
        var histogram = new Histogram("h");
        Assert.Equal(0, histogram.Count);
        Assert.Equal(double.PositiveInfinity, histogram.Min);
        Assert.Equal(double.NegativeInfinity, histogram.Max);

        foreach (var value in new[] { 3.0, 0.25, 120.0, 7.5 }) histogram.Record(value);

        Assert.Equal(4, histogram.Count);
        Assert.Equal(130.75, histogram.Sum);
        Assert.Equal(0.25, histogram.Min);
        Assert.Equal(120.0, histogram.Max);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void RecordIgnoresValuesThatAreNotFinite(double value)
    {
        var histogram = new Histogram("h");
        histogram.Record(1);
        histogram.Record(value);
        Assert.Equal(1, histogram.Count);
        Assert.Equal(1, histogram.Sum);
        Assert.Equal(1, histogram.Max);
    }

    [Fact]
    public async Task ConcurrentRecordsAreAllCounted()
    {
        const int threads = 8;
        const int perThread = 100_000;
        var histogram = new Histogram("h");
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            // Whole numbers keep the double sum exact, so it can be compared exactly.
            for (var i = 0; i < perThread; i++) histogram.Record((i % 1000) + t);
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(threads * perThread, histogram.Count);
        var expectedSum = 0.0;
        for (var t = 0; t < threads; t++)
        {
            for (var i = 0; i < perThread; i++) expectedSum += (i % 1000) + t;
        }
        Assert.Equal(expectedSum, histogram.Sum);
        Assert.Equal(0, histogram.Min);
        Assert.Equal(999 + threads - 1, histogram.Max);
    }

    [Fact]
    public void RecordDoesNotAllocate()
    {
        var histogram = new Histogram("h");
        // Warm up: JIT and tiering allocate on first calls.
        for (var i = 0; i < 10_000; i++) histogram.Record(i);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++) histogram.Record(i * 0.37);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void CustomBoundsMustBeFiniteAndIncreasing()
    {
        Assert.Throws<ArgumentException>(() => new Histogram("h", ReadOnlySpan<double>.Empty));
        Assert.Throws<ArgumentException>(() => new Histogram("h", [1, 1]));
        Assert.Throws<ArgumentException>(() => new Histogram("h", [2, 1]));
        Assert.Throws<ArgumentException>(() => new Histogram("h", [1, double.PositiveInfinity]));
        var histogram = new Histogram("h", [10, 20]);
        histogram.Record(15);
        histogram.Record(25);
        Assert.Equal(new long[] { 0, 1, 1 }, Buckets(histogram));
    }
}
