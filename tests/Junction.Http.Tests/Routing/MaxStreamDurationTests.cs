using System.Text;
using Junction.Http.Routing;

namespace Junction.Http.Tests.Routing;

/// <summary>max_stream_duration and gRPC's grpc-timeout header.</summary>
public sealed class MaxStreamDurationTests
{
    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3000)]
    [InlineData("250m", 250)]
    [InlineData("5000u", 5)]
    [InlineData("7000000n", 7)]
    [InlineData("99999999S", 99_999_999_000)]
    public void GrpcTimeoutsParse(string header, long milliseconds)
    {
        Assert.True(MaxStreamDuration.TryParseGrpcTimeout(Encoding.ASCII.GetBytes(header), out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    public void MalformedGrpcTimeoutsAreNotTimeouts(string header) =>
        Assert.False(MaxStreamDuration.TryParseGrpcTimeout(Encoding.ASCII.GetBytes(header), out _));

    [Fact]
    public void TheHeaderIsUsedOnlyWhenTheRouteSaysSoAndCappedByIt()
    {
        var fixedOnly = new MaxStreamDuration(TimeSpan.FromSeconds(5), null, null);
        Assert.Equal(TimeSpan.FromSeconds(5), fixedOnly.For("1S"u8));

        var capped = new MaxStreamDuration(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(900), capped.For("1S"u8));
        Assert.Equal(TimeSpan.FromSeconds(2), capped.For("30S"u8));
        // No (or a malformed) header: the configured limit.
        Assert.Equal(TimeSpan.FromSeconds(5), capped.For(default));

        var uncapped = new MaxStreamDuration(null, TimeSpan.Zero, null);
        Assert.Equal(TimeSpan.FromMinutes(10), uncapped.For("10M"u8));
        Assert.Null(uncapped.For(default));
    }
}
