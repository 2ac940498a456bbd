using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

public sealed class HpackIntegerTests
{
    [Theory]
    [InlineData(10, 5, "0a")]          // C.1.1
    [InlineData(1337, 5, "1f9a0a")]    // C.1.2
    [InlineData(42, 8, "2a")]          // C.1.3
    [InlineData(31, 5, "1f00")]        // exactly the prefix maximum needs a zero continuation
    [InlineData(int.MaxValue, 1, "01feffffff07")]
    public void EncodesAndDecodesTheRfcExamples(int value, int prefixBits, string hex)
    {
        var buffer = new byte[HpackInteger.MaxEncodedLength];
        var written = HpackInteger.Encode(value, prefixBits, 0, buffer);
        Assert.Equal(hex, Hex.Of(buffer.AsSpan(0, written)));

        var position = 0;
        Assert.True(HpackInteger.TryDecode(buffer.AsSpan(0, written), ref position, prefixBits, out var decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(written, position);
    }

    [Fact]
    public void RoundTripsAcrossPrefixesAndMagnitudes()
    {
        var buffer = new byte[HpackInteger.MaxEncodedLength];
        for (var prefix = 1; prefix <= 8; prefix++)
        {
            foreach (var value in new[] { 0, 1, 126, 127, 128, 254, 255, 256, 16_383, 16_384, 1 << 21, (1 << 28) - 1, 1 << 28, int.MaxValue - 1, int.MaxValue })
            {
                // The flag bits above the prefix must survive and must not leak into the value.
                var flags = (byte)(0xFF << prefix);
                var written = HpackInteger.Encode(value, prefix, flags, buffer);
                Assert.Equal(flags, (byte)(buffer[0] & flags));
                var position = 0;
                Assert.True(HpackInteger.TryDecode(buffer.AsSpan(0, written), ref position, prefix, out var decoded));
                Assert.Equal(value, decoded);

                // Every shorter input asks for more, without moving.
                for (var cut = 0; cut < written; cut++)
                {
                    position = 0;
                    Assert.False(HpackInteger.TryDecode(buffer.AsSpan(0, cut), ref position, prefix, out _));
                    Assert.Equal(0, position);
                }
            }
        }
    }

    [Theory]
    [InlineData("1f e1 ff ff ff 07")]    // 2^31 with a 5-bit prefix
    [InlineData("ff ff ff ff ff 0f")]
    [InlineData("1f 80 80 80 80 80 01")] // a sixth continuation byte
    [InlineData("1f 80 80 80 80 80")]    // ... even before the input ends
    public void RejectsValuesBeyondInt(string hex)
    {
        var position = 0;
        var e = Assert.Throws<HpackDecodingException>(() => HpackInteger.TryDecode(Hex.Bytes(hex), ref position, 5, out _));
        Assert.Equal(HpackDecodingError.IntegerOverflow, e.Reason);
    }
}
