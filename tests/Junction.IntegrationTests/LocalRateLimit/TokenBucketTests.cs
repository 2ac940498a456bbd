using Junction.Filters.LocalRateLimit;

namespace Junction.IntegrationTests.LocalRateLimit;

/// <summary>The shared token bucket on a fake monotonic clock: fills happen at interval boundaries, lazily.</summary>
public sealed class TokenBucketTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void ItStartsFullAndRefusesOnceEmpty()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(new TokenBucketSettings(3, 1, Second), clock);

        Assert.True(bucket.TryConsume());
        Assert.True(bucket.TryConsume());
        Assert.True(bucket.TryConsume());
        Assert.False(bucket.TryConsume());
        clock.Advance(Second - TimeSpan.FromTicks(1));
        Assert.False(bucket.TryConsume());
    }

    [Fact]
    public void EachIntervalAddsTokensPerFillUpToTheMaximum()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(new TokenBucketSettings(5, 2, Second), clock);
        while (bucket.TryConsume())
        {
        }

        clock.Advance(Second);
        Assert.Equal(2, bucket.Tokens);
        clock.Advance(Second);
        Assert.Equal(4, bucket.Tokens);
        clock.Advance(Second);
        Assert.Equal(5, bucket.Tokens);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(5, bucket.Tokens);
    }

    [Fact]
    public void FillsStayOnTheGridOfIntervalsSinceTheStart()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(new TokenBucketSettings(1, 1, Second), clock);
        Assert.True(bucket.TryConsume());

        // Asked late in the second interval: one fill (at 1 s) is due, and the next comes at 2 s, not 2.9 s.
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.True(bucket.TryConsume());
        Assert.False(bucket.TryConsume());
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(bucket.TryConsume());
    }

    [Fact]
    public void AVeryLongIdleFillsTheBucketWithoutOverflowing()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(new TokenBucketSettings(uint.MaxValue, uint.MaxValue, TimeSpan.FromMilliseconds(50)), clock);
        Assert.True(bucket.TryConsume());
        clock.Advance(TimeSpan.FromDays(365 * 100));
        Assert.Equal(uint.MaxValue, bucket.Tokens);
    }

    [Fact]
    public async Task ConcurrentCallersNeverTakeMoreTokensThanTheBucketHolds()
    {
        var bucket = new TokenBucket(new TokenBucketSettings(10_000, 1, TimeSpan.FromHours(1)), new FakeClock());
        var taken = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                if (bucket.TryConsume()) Interlocked.Increment(ref taken);
            }
        }));
        await Task.WhenAll(workers);
        Assert.Equal(10_000, taken);
        Assert.Equal(0, bucket.Tokens);
    }

    /// <summary>A monotonic clock that moves only when told to.</summary>
    private sealed class FakeClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
