using System.Buffers;
using Junction.Http.Http2;
using static Junction.Http.Tests.Http2.FrameBytes;
using P = Junction.Http.Http2.Http2SettingsParameter;

namespace Junction.Http.Tests.Http2;

public sealed class Http2SettingsTests
{
    [Fact]
    public void DefaultsAreTheRfcValues()
    {
        var settings = new Http2Settings();

        Assert.Equal(4096u, settings.HeaderTableSize);
        Assert.True(settings.EnablePush);
        Assert.Equal(uint.MaxValue, settings.MaxConcurrentStreams);
        Assert.Equal(65_535, settings.InitialWindowSize);
        Assert.Equal(16_384, settings.MaxFrameSize);
        Assert.Equal(uint.MaxValue, settings.MaxHeaderListSize);
    }

    [Fact]
    public void EachParameterIsAppliedAndUnknownOnesAreIgnored()
    {
        var settings = new Http2Settings();

        Assert.True(settings.TryApply(new Http2SettingsEntry(P.HeaderTableSize, 0), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry(P.EnablePush, 0), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry(P.MaxConcurrentStreams, 100), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry(P.InitialWindowSize, int.MaxValue), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry(P.MaxFrameSize, 16_777_215), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry(P.MaxHeaderListSize, 8192), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry((P)0x8, 1), out _));
        Assert.True(settings.TryApply(new Http2SettingsEntry((P)0xffff, uint.MaxValue), out _));

        Assert.Equal(0u, settings.HeaderTableSize);
        Assert.False(settings.EnablePush);
        Assert.Equal(100u, settings.MaxConcurrentStreams);
        Assert.Equal(int.MaxValue, settings.InitialWindowSize);
        Assert.Equal(16_777_215, settings.MaxFrameSize);
        Assert.Equal(8192u, settings.MaxHeaderListSize);
    }

    // Parameters and codes go as numbers: a public test method cannot take the internal enums.
    [Theory]
    [InlineData(0x2, 2u, 0x1)]
    [InlineData(0x2, uint.MaxValue, 0x1)]
    [InlineData(0x4, 2_147_483_648u, 0x3)]
    [InlineData(0x4, uint.MaxValue, 0x3)]
    [InlineData(0x5, 0u, 0x1)]
    [InlineData(0x5, 16_383u, 0x1)]
    [InlineData(0x5, 16_777_216u, 0x1)]
    public void OutOfRangeValueIsAConnectionErrorAndIsNotApplied(ushort parameter, uint value, uint code)
    {
        var settings = new Http2Settings();

        Assert.False(settings.TryApply(new Http2SettingsEntry((P)parameter, value), out var error));

        Assert.True(error.IsConnectionError);
        Assert.Equal((Http2ErrorCode)code, error.Code);
        Assert.Equal(65_535, settings.InitialWindowSize);
        Assert.Equal(16_384, settings.MaxFrameSize);
        Assert.True(settings.EnablePush);
    }

    [Fact]
    public void FrameEntriesApplyInOrderSoTheLastValueWins()
    {
        var bytes = Frame(Http2FrameType.Settings, Http2Flags.None, 0,
            Concat(Setting(P.InitialWindowSize, 10), Setting(P.MaxConcurrentStreams, 7), Setting(P.InitialWindowSize, 20)));
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(Http2FrameReadResult.Frame, new Http2FrameReader(isServer: true).Read(ref buffer, out var frame, out _));
        var settings = new Http2Settings();

        Assert.True(settings.TryApply(frame, out _));

        Assert.Equal(20, settings.InitialWindowSize);
        Assert.Equal(7u, settings.MaxConcurrentStreams);
    }

    [Fact]
    public void LocalValuesOutsideTheRfcRangesAreRefused()
    {
        var settings = new Http2Settings();
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.InitialWindowSize = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.MaxFrameSize = 16_383);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.MaxFrameSize = 16_777_216);
    }
}
