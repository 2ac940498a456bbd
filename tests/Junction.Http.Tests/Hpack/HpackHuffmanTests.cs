using System.Text;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

public sealed class HpackHuffmanTests
{
    [Theory]
    // Codes as printed in RFC 7541 Appendix B, to check the ones rebuilt from the lengths.
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(1, 0x7fffd8u, 23)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(32, 0x14u, 6)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('a', 0x3u, 5)]
    [InlineData('t', 0x9u, 5)]
    [InlineData('z', 0x7bu, 7)]
    [InlineData('{', 0x7ffeu, 15)]
    [InlineData('\\', 0x7fff0u, 19)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(128, 0xfffe6u, 20)]
    [InlineData(199, 0x1ffffecu, 25)]
    [InlineData(254, 0x7fffff0u, 27)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void CodesMatchTheRfcTable(int symbol, uint code, int length) =>
        Assert.Equal((code, length), HpackHuffman.GetCode(symbol));

    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [InlineData("no-cache", "a8eb10649cbf")]
    [InlineData("custom-key", "25a849e95ba97d7f")]
    [InlineData("custom-value", "25a849e95bb8e8b4bf")]
    [InlineData("302", "6402")]
    [InlineData("private", "aec3771a4b")]
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff")]
    [InlineData("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3")]
    [InlineData("", "")]
    public void EncodesAndDecodesTheRfcStrings(string text, string hex)
    {
        var raw = Encoding.ASCII.GetBytes(text);
        var encoded = new byte[HpackHuffman.GetEncodedLength(raw)];
        Assert.Equal(encoded.Length, HpackHuffman.Encode(raw, encoded));
        Assert.Equal(hex, Hex.Of(encoded));

        var decoded = new byte[raw.Length * 2];
        var length = HpackHuffman.Decode(encoded, decoded);
        Assert.Equal(text, Encoding.ASCII.GetString(decoded, 0, length));
    }

    [Fact]
    public void RoundTripsEveryByteValueInEveryPosition()
    {
        var random = new Random(7541);
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        for (var round = 0; round < 200; round++)
        {
            var raw = round == 0 ? all : Enumerable.Range(0, random.Next(0, 64)).Select(_ => (byte)random.Next(256)).ToArray();
            var encoded = new byte[HpackHuffman.GetEncodedLength(raw)];
            HpackHuffman.Encode(raw, encoded);
            var decoded = new byte[encoded.Length * 8 / 5];
            var length = HpackHuffman.Decode(encoded, decoded);
            Assert.Equal(raw, decoded.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public void DecodesPastAShortDestinationAndReportsTheFullLength()
    {
        var raw = Encoding.ASCII.GetBytes("www.example.com");
        var encoded = new byte[HpackHuffman.GetEncodedLength(raw)];
        HpackHuffman.Encode(raw, encoded);
        var destination = new byte[4];
        Assert.Equal(raw.Length, HpackHuffman.Decode(encoded, destination));
        Assert.Equal("www."u8.ToArray(), destination);
    }

    [Theory]
    [InlineData("18", nameof(HpackDecodingError.HuffmanInvalidPadding))]    // 'a' then 000
    [InlineData("1e", nameof(HpackDecodingError.HuffmanInvalidPadding))]    // 'a' then 110
    [InlineData("ff", nameof(HpackDecodingError.HuffmanPaddingTooLong))]    // 8 bits of padding
    [InlineData("1fff", nameof(HpackDecodingError.HuffmanPaddingTooLong))]  // 'a' then 11 ones
    [InlineData("fe", nameof(HpackDecodingError.HuffmanInvalidPadding))]    // the start of a 10-bit code
    [InlineData("ffffffff", nameof(HpackDecodingError.HuffmanEndOfString))] // EOS
    [InlineData("1fffffffff", nameof(HpackDecodingError.HuffmanEndOfString))] // 'a' then EOS
    public void RejectsBadEndings(string hex, string expected)
    {
        var e = Assert.Throws<HpackDecodingException>(() => HpackHuffman.Decode(Hex.Bytes(hex), new byte[16]));
        Assert.Equal(expected, e.Reason.ToString());
    }

    [Fact]
    public void AcceptsUpToSevenBitsOfOnes()
    {
        // '0' is 00000: with 3 bits of padding "00000111"; 'a' + '0' + 6 ones = 00011000 00111111.
        Assert.Equal(1, HpackHuffman.Decode(Hex.Bytes("07"), new byte[4]));
        Assert.Equal(2, HpackHuffman.Decode(Hex.Bytes("183f"), new byte[4]));
    }
}
