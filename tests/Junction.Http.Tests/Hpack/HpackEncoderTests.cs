using System.Buffers;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

public sealed class HpackEncoderTests
{
    [Fact]
    public void EncodesTheSingleFieldExamplesOfC2()
    {
        Assert.Equal(Hex.Of(Hex.Bytes(RfcExamples.SingleFields[0].Hex)), EncodeOne(new HpackEncoder(huffman: false), "custom-key", "custom-header"));
        // :path values are not indexed, which is what C.2.2 shows.
        Assert.Equal(Hex.Of(Hex.Bytes(RfcExamples.SingleFields[1].Hex)), EncodeOne(new HpackEncoder(huffman: false), ":path", "/sample/path"));
        Assert.Equal(Hex.Of(Hex.Bytes(RfcExamples.SingleFields[2].Hex)), EncodeOne(new HpackEncoder(huffman: false), "password", "secret", sensitive: true));
        Assert.Equal("82", EncodeOne(new HpackEncoder(), ":method", "GET"));
    }

    [Fact]
    public void EncodesTheRequestExamplesOfC3AndC4()
    {
        foreach (var (blocks, huffman) in new[] { (RfcExamples.Requests, false), (RfcExamples.HuffmanRequests, true) })
        {
            var encoder = new HpackEncoder(huffman: huffman);
            foreach (var block in blocks)
            {
                Assert.Equal(Hex.Of(Hex.Bytes(block.Hex)), Encode(encoder, block.Headers));
                Assert.Equal(block.TableSize, encoder.DynamicTableSize);
            }
        }
    }

    [Fact]
    public void EncodesTheResponseExamplesOfC5AndC6ExceptTheNeverIndexedSetCookie()
    {
        foreach (var (blocks, huffman) in new[] { (RfcExamples.Responses, false), (RfcExamples.HuffmanResponses, true) })
        {
            // A table below the protocol's initial 4096 is announced first: 256 = 31 + 225.
            var encoder = new HpackEncoder(maxTableSizeCap: 256, huffman: huffman);
            var decoder = new HpackDecoder();
            Assert.Equal("3fe101" + Hex.Of(Hex.Bytes(blocks[0].Hex)), Encode(encoder, blocks[0].Headers, decoder));
            Assert.Equal(Hex.Of(Hex.Bytes(blocks[1].Hex)), Encode(encoder, blocks[1].Headers, decoder));
            Assert.Equal(blocks[1].TableSize, encoder.DynamicTableSize);

            // The RFC indexes set-cookie; this encoder never does, so the third block differs from
            // there on, but still decodes to the same list.
            var third = Encode(encoder, blocks[2].Headers, decoder, out var neverIndexed);
            var expected = Hex.Of(Hex.Bytes(blocks[2].Hex));
            var setCookie = expected.IndexOf(huffman ? "77ad" : "7738", StringComparison.Ordinal);
            Assert.Equal(expected[..setCookie], third[..setCookie]);
            Assert.StartsWith("1f28", third[setCookie..], StringComparison.Ordinal);  // never indexed, name index 55
            Assert.Equal(new[] { false, false, false, false, false, true }, neverIndexed);
        }
    }

    [Theory]
    [InlineData("authorization")]
    [InlineData("proxy-authorization")]
    [InlineData("cookie")]
    [InlineData("set-cookie")]
    [InlineData("Cookie")]
    public void SensitiveNamesAreNeverIndexed(string name)
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        for (var i = 0; i < 2; i++)
        {
            Encode(encoder, [(name, "secret-value")], decoder, out var neverIndexed);
            Assert.Equal(new[] { true }, neverIndexed);
            Assert.Equal(0, encoder.DynamicTableCount);
        }
    }

    [Fact]
    public void CallerMarkedFieldsAreNeverIndexedEvenWhenTheTableHasThem()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        Encode(encoder, [("x-token", "abc")], decoder);
        Assert.Equal(1, encoder.DynamicTableCount);

        var output = new ArrayBufferWriter<byte>();
        encoder.EncodeBlock(output, [new HpackField("x-token"u8.ToArray(), "abc"u8.ToArray(), Sensitive: true)]);
        Assert.Equal(0x10, output.WrittenSpan[0] & 0xF0);
        Assert.Equal(0x0f, output.WrittenSpan[0] & 0x0F);  // name index 62 does not fit in 4 bits
        var handler = new RecordingHeaderHandler();
        decoder.Decode(output.WrittenSpan, ref handler);
        Assert.Equal(new[] { ("x-token", "abc") }, handler.Fields);
        Assert.Equal(new[] { true }, handler.NeverIndexed);
    }

    [Fact]
    public void RepeatedFieldsBecomeOneByteIndices()
    {
        var encoder = new HpackEncoder();
        (string, string)[] request = [(":method", "GET"), (":scheme", "https"), (":authority", "api.example.com"), ("user-agent", "curl/8.5.0"), ("accept", "*/*")];
        Encode(encoder, request);
        // Newest first: accept is 62, user-agent 63, :authority 64.
        Assert.Equal("8287" + "c0" + "bf" + "be", Encode(encoder, request));
    }

    [Fact]
    public void UniqueAndOversizedValuesAreNotIndexed()
    {
        var encoder = new HpackEncoder();
        Encode(encoder, [(":path", "/a"), ("content-length", "12"), ("x-request-id", "6f1c"), ("x-large", new string('x', 3000))]);
        Assert.Equal(0, encoder.DynamicTableCount);
        Encode(encoder, [("x-small", "1")]);
        Assert.Equal(1, encoder.DynamicTableCount);
    }

    [Fact]
    public void HuffmanIsUsedOnlyWhenNotLonger()
    {
        // Control bytes have codes of 23 to 28 bits: as is is shorter. The name is shorter in Huffman.
        var block = EncodeOne(new HpackEncoder(), "x-raw", "\u0001\u0002\u0003");
        Assert.StartsWith("40" + "84", block, StringComparison.Ordinal);
        Assert.EndsWith("03" + "010203", block, StringComparison.Ordinal);
    }

    [Fact]
    public void TableSizeChangesAreAnnouncedAtTheStartOfTheNextBlock()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        Encode(encoder, [("x-a", "1"), ("x-b", "2")], decoder);
        Assert.Equal(2, encoder.DynamicTableCount);

        // Down to 0 and back up before the next block: both sizes are sent, so the peer evicts too.
        encoder.SetPeerMaxTableSize(0);
        encoder.SetPeerMaxTableSize(4096);
        var block = Encode(encoder, [("x-a", "1")], decoder);
        Assert.StartsWith("20" + "3fe11f", block, StringComparison.Ordinal);
        Assert.Equal(1, decoder.DynamicTableCount);

        // A peer allowing more than the cap gets the cap.
        encoder.SetPeerMaxTableSize(65536);
        block = Encode(encoder, [("x-a", "1")], decoder);
        Assert.StartsWith("3fe11f" + "be", block, StringComparison.Ordinal);
        Assert.Equal(4096, encoder.DynamicTableMaxSize);

        // Nothing pending: nothing sent.
        Assert.Equal("be", Encode(encoder, [("x-a", "1")], decoder));
    }

    [Fact]
    public void EncodingARepeatedRequestAllocatesNothing()
    {
        var encoder = new HpackEncoder();
        HpackField[] fields =
        [
            new(":method"u8.ToArray(), "GET"u8.ToArray()), new(":path"u8.ToArray(), "/products/shoes?color=blue"u8.ToArray()),
            new(":authority"u8.ToArray(), "shop.example.com"u8.ToArray()), new("cookie"u8.ToArray(), "session=4f2a9c1e7b"u8.ToArray()),
        ];
        var output = new ArrayBufferWriter<byte>(4096);
        for (var i = 0; i < 10; i++)
        {
            output.ResetWrittenCount();
            encoder.EncodeBlock(output, fields);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            output.ResetWrittenCount();
            encoder.EncodeBlock(output, fields);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string EncodeOne(HpackEncoder encoder, string name, string value, bool sensitive = false)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.BeginHeaderBlock(output);
        encoder.EncodeField(output, HpackTestCases.Utf8(name), HpackTestCases.Utf8(value), sensitive);
        return Hex.Of(output.WrittenSpan);
    }

    private static string Encode(HpackEncoder encoder, IEnumerable<(string Name, string Value)> headers, HpackDecoder? decoder = null) =>
        Encode(encoder, headers, decoder ?? new HpackDecoder(), out _, checkDecoding: decoder is not null);

    private static string Encode(HpackEncoder encoder, IEnumerable<(string Name, string Value)> headers, HpackDecoder decoder, out bool[] neverIndexed) =>
        Encode(encoder, headers, decoder, out neverIndexed, checkDecoding: true);

    private static string Encode(
        HpackEncoder encoder, IEnumerable<(string Name, string Value)> headers, HpackDecoder decoder, out bool[] neverIndexed, bool checkDecoding)
    {
        var list = headers.ToList();
        var output = new ArrayBufferWriter<byte>();
        encoder.EncodeBlock(output, list.Select(h => new HpackField(HpackTestCases.Utf8(h.Name), HpackTestCases.Utf8(h.Value))).ToArray());
        neverIndexed = [];
        if (checkDecoding)
        {
            var handler = new RecordingHeaderHandler();
            decoder.Decode(output.WrittenSpan, ref handler);
            Assert.Equal(list, handler.Fields);
            Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
            neverIndexed = [.. handler.NeverIndexed];
        }
        return Hex.Of(output.WrittenSpan);
    }
}
