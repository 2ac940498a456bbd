using Junction.Http.Http2;

namespace Junction.Http.Tests.Http2;

public sealed class Http2FlowWindowTests
{
    private const int MaxWindow = int.MaxValue;

    [Fact]
    public void DataWithinTheWindowIsChargedUpToExactlyTheWindow()
    {
        var window = new Http2FlowWindow(1, 65_535);

        Assert.True(window.TryConsume(65_000, out _));
        Assert.True(window.TryConsume(535, out _));
        Assert.Equal(0, window.Size);
        Assert.True(window.TryConsume(0, out _));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(3, false)]
    public void DataBeyondTheWindowIsAFlowControlErrorOfTheWindowsScope(int streamId, bool connectionError)
    {
        var window = new Http2FlowWindow(streamId, 100);

        Assert.False(window.TryConsume(101, out var error));

        Assert.Equal(connectionError, error.IsConnectionError);
        Assert.Equal(streamId, error.StreamId);
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.Equal(100, window.Size);
    }

    [Fact]
    public void WindowUpdateMayFillTheWindowToExactly2To31Minus1()
    {
        var window = new Http2FlowWindow(0, 65_535);

        Assert.True(window.TryIncrement(MaxWindow - 65_535, out _));

        Assert.Equal(MaxWindow, window.Size);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(5, false)]
    public void WindowUpdatePast2To31Minus1IsAFlowControlErrorOfTheWindowsScope(int streamId, bool connectionError)
    {
        var window = new Http2FlowWindow(streamId, 65_535);

        Assert.False(window.TryIncrement(MaxWindow - 65_534, out var error));

        Assert.Equal(connectionError, error.IsConnectionError);
        Assert.Equal(streamId, error.StreamId);
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.Equal(65_535, window.Size);
    }

    [Fact]
    public void LargestIncrementOnAFullWindowOverflowsWithoutWrappingAround()
    {
        var window = new Http2FlowWindow(1, MaxWindow);

        Assert.False(window.TryIncrement(MaxWindow, out _));
        Assert.Equal(MaxWindow, window.Size);
    }

    [Fact]
    public void SmallerInitialWindowSizeMakesTheWindowNegativeUntilUpdatesCatchUp()
    {
        var window = new Http2FlowWindow(1, 65_535);
        Assert.True(window.TryConsume(60_000, out _));

        // The peer lowers SETTINGS_INITIAL_WINDOW_SIZE from 65535 to 0.
        Assert.True(window.TryAdjust(-65_535, out _));

        Assert.Equal(-60_000, window.Size);
        Assert.True(window.TryConsume(0, out _));
        Assert.False(window.TryConsume(1, out _));
        Assert.True(window.TryIncrement(50_000, out _));
        Assert.Equal(-10_000, window.Size);
        Assert.False(window.TryConsume(1, out _));
        Assert.True(window.TryIncrement(10_001, out _));
        Assert.True(window.TryConsume(1, out _));
        Assert.Equal(0, window.Size);
    }

    [Fact]
    public void LargestPossibleDecreaseReachesMinus2To31Plus1()
    {
        var window = new Http2FlowWindow(1, MaxWindow);
        Assert.True(window.TryConsume(MaxWindow, out _));

        Assert.True(window.TryAdjust(-MaxWindow, out _));

        Assert.Equal(-MaxWindow, window.Size);
        Assert.True(window.TryIncrement(MaxWindow, out _));
        Assert.Equal(0, window.Size);
    }

    [Fact]
    public void SettingsIncreasePast2To31Minus1IsAConnectionErrorEvenForAStream()
    {
        var window = new Http2FlowWindow(7, 65_535);
        Assert.True(window.TryIncrement(MaxWindow - 65_535 - 10, out _));

        Assert.False(window.TryAdjust(11, out var error));

        Assert.True(error.IsConnectionError);
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.Equal(MaxWindow - 10, window.Size);
        Assert.True(window.TryAdjust(10, out _));
        Assert.Equal(MaxWindow, window.Size);
    }

    [Fact]
    public void WindowUpdatesAreBatchedUntilHalfTheWindowWasProcessed()
    {
        var window = new Http2FlowWindow(1, 65_535);
        Assert.True(window.TryConsume(40_000, out _));

        Assert.False(window.TryGetWindowUpdate(10_000, out var increment));
        Assert.Equal(0, increment);
        Assert.False(window.TryGetWindowUpdate(22_766, out _));
        Assert.Equal(32_766, window.Unannounced);
        Assert.Equal(25_535, window.Size);

        Assert.True(window.TryGetWindowUpdate(1, out increment));

        Assert.Equal(32_767, increment);
        Assert.Equal(0, window.Unannounced);
        Assert.Equal(58_302, window.Size);
        Assert.True(window.TryGetWindowUpdate(7_233, out increment) == false && increment == 0);
    }

    [Fact]
    public void NothingProcessedMeansNoWindowUpdateEvenForAnEmptyTarget()
    {
        var window = new Http2FlowWindow(1, 0);

        Assert.False(window.TryGetWindowUpdate(0, out _));
    }

    [Fact]
    public void UpdateThresholdFollowsTheInitialWindowSize()
    {
        var window = new Http2FlowWindow(1, 65_535);
        Assert.True(window.TryConsume(65_535, out _));
        // This endpoint's SETTINGS_INITIAL_WINDOW_SIZE went down to 1000 (acknowledged).
        Assert.True(window.TryAdjust(1_000 - 65_535, out _));
        Assert.Equal(-64_535, window.Size);

        Assert.True(window.TryGetWindowUpdate(500, out var increment));

        Assert.Equal(500, increment);
        Assert.Equal(-64_035, window.Size);
    }

    [Fact]
    public void NegativeStreamIdOrInitialSizeIsABug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Http2FlowWindow(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Http2FlowWindow(0, -1));
    }
}
