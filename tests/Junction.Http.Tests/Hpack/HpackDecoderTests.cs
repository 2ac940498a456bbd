using System.Buffers;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

public sealed class HpackDecoderTests
{
    public static TheoryData<string> Sequences => new(RfcExamples.Sequences.Select(s => s.Name));

    public static TheoryData<int> SingleFields => new(Enumerable.Range(0, RfcExamples.SingleFields.Length));

    [Theory]
    [MemberData(nameof(SingleFields))]
    public void DecodesTheSingleFieldExamplesOfC2(int example)
    {
        var block = RfcExamples.SingleFields[example];
        var decoder = new HpackDecoder();
        var handler = new RecordingHeaderHandler();
        decoder.Decode(Hex.Bytes(block.Hex), ref handler);
        Assert.Equal(block.Headers, handler.Fields);
        Assert.Equal(block.TableSize, decoder.DynamicTableSize);
        Assert.Equal(new[] { block.Name.Contains("never", StringComparison.Ordinal) }, handler.NeverIndexed);
    }

    [Theory]
    [MemberData(nameof(Sequences))]
    public void DecodesTheRequestAndResponseExamplesOfC3ToC6(string sequence)
    {
        var (_, blocks, tableSize) = RfcExamples.Sequences.Single(s => s.Name == sequence);
        var decoder = new HpackDecoder(maxTableSize: tableSize);
        foreach (var block in blocks)
        {
            var handler = new RecordingHeaderHandler();
            decoder.Decode(Hex.Bytes(block.Hex), ref handler);
            Assert.Equal(block.Headers, handler.Fields);
            Assert.Equal(block.TableSize, decoder.DynamicTableSize);
        }
    }

    [Theory]
    [MemberData(nameof(Sequences))]
    public void EveryTruncationOfAnExampleEndsCleanly(string sequence)
    {
        var (_, blocks, tableSize) = RfcExamples.Sequences.Single(s => s.Name == sequence);
        for (var i = 0; i < blocks.Length; i++)
        {
            var wire = Hex.Bytes(blocks[i].Hex);
            for (var length = 0; length < wire.Length; length++)
            {
                var decoder = new HpackDecoder(maxTableSize: tableSize);
                for (var j = 0; j < i; j++) Decode(decoder, Hex.Bytes(blocks[j].Hex));
                var handler = new RecordingHeaderHandler();
                try
                {
                    // An exact-length copy: reading past the end would throw, not read the next byte.
                    decoder.Decode(wire.AsSpan(0, length).ToArray(), ref handler);
                    Assert.Equal(blocks[i].Headers.Take(handler.Fields.Count), handler.Fields);
                }
                catch (HpackDecodingException e)
                {
                    Assert.True(e.IsConnectionError);
                }
            }
        }
    }

    [Fact]
    public void DecodesABlockSplitAcrossSegments()
    {
        var wire = Hex.Bytes(RfcExamples.HuffmanRequests[0].Hex);
        var first = new Segment(wire.AsMemory(0, 5));
        var last = first.Append(wire.AsMemory(5));
        var decoder = new HpackDecoder();
        var handler = new RecordingHeaderHandler();
        decoder.Decode(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), ref handler);
        Assert.Equal(RfcExamples.HuffmanRequests[0].Headers, handler.Fields);
    }

    [Theory]
    [InlineData("80", nameof(HpackDecodingError.IndexZero))]
    [InlineData("be", nameof(HpackDecodingError.IndexOutOfRange))]                    // 62 with an empty dynamic table
    [InlineData("ff 80 ff ff ff 07", nameof(HpackDecodingError.IndexOutOfRange))]   // int.MaxValue exactly: decodes, then no such entry
    [InlineData("ff ff ff ff ff 0f", nameof(HpackDecodingError.IntegerOverflow))]   // 2^32 + 126
    [InlineData("ff 80 80 80 80 80 00", nameof(HpackDecodingError.IntegerOverflow))] // six continuation bytes
    [InlineData("40 00 7f 80 80 80 80 80 80", nameof(HpackDecodingError.IntegerOverflow))] // in a string length
    [InlineData("00 81 18 00", nameof(HpackDecodingError.HuffmanInvalidPadding))]    // 'a' + 000
    [InlineData("00 82 1f ff 00", nameof(HpackDecodingError.HuffmanPaddingTooLong))] // 'a' + eleven ones
    [InlineData("00 81 ff 00", nameof(HpackDecodingError.HuffmanPaddingTooLong))]    // eight ones
    [InlineData("00 84 ff ff ff ff 00", nameof(HpackDecodingError.HuffmanEndOfString))] // EOS (30 ones) + 2 bits
    [InlineData("00 01 61 81 fe", nameof(HpackDecodingError.HuffmanInvalidPadding))] // value cut inside a code
    [InlineData("3f e2 1f", nameof(HpackDecodingError.TableSizeUpdateTooLarge))]     // 4097
    [InlineData("82 20", nameof(HpackDecodingError.TableSizeUpdateNotAtStart))]
    [InlineData("82 3f e1 1f", nameof(HpackDecodingError.TableSizeUpdateNotAtStart))]
    [InlineData("ff", nameof(HpackDecodingError.Truncated))]
    [InlineData("41", nameof(HpackDecodingError.Truncated))]
    [InlineData("41 05 61 62", nameof(HpackDecodingError.Truncated))]
    [InlineData("00 03 61 62 63", nameof(HpackDecodingError.Truncated))]
    public void RejectsMalformedBlocks(string hex, string expected)
    {
        var decoder = new HpackDecoder();
        var handler = new RecordingHeaderHandler();
        var e = Assert.Throws<HpackDecodingException>(() => decoder.Decode(Hex.Bytes(hex), ref handler));
        Assert.Equal(expected, e.Reason.ToString());
        Assert.True(e.IsConnectionError);
    }

    [Fact]
    public void AcceptsTableSizeUpdatesAtTheStartOnly()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, Hex.Bytes("4003 6162 6303 6465 66"));
        Assert.Equal(1, decoder.DynamicTableCount);

        // Two updates in a row (down, then up) are allowed; the first evicts.
        var fields = Decode(decoder, Hex.Bytes("20 3f e1 1f 82"));
        Assert.Equal(new[] { (":method", "GET") }, fields);
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(4096, decoder.DynamicTableMaxSize);

        // An update alone is a valid (empty) block.
        Decode(decoder, Hex.Bytes("3f 45"));
        Assert.Equal(100, decoder.DynamicTableMaxSize);
    }

    [Fact]
    public void RequiresASizeUpdateAfterTheSettingIsLowered()
    {
        var decoder = new HpackDecoder();
        decoder.SetMaxTableSizeSetting(100);
        var e = Assert.Throws<HpackDecodingException>(() => Decode(decoder, Hex.Bytes("82")));
        Assert.Equal(HpackDecodingError.TableSizeUpdateMissing, e.Reason);

        decoder = new HpackDecoder();
        decoder.SetMaxTableSizeSetting(100);
        e = Assert.Throws<HpackDecodingException>(() => Decode(decoder, Hex.Bytes("3f 46 82")));  // 101 > 100
        Assert.Equal(HpackDecodingError.TableSizeUpdateTooLarge, e.Reason);

        decoder = new HpackDecoder();
        decoder.SetMaxTableSizeSetting(100);
        Assert.Equal(new[] { (":method", "GET") }, Decode(decoder, Hex.Bytes("3f 45 82")));
        Assert.Equal(new[] { (":method", "GET") }, Decode(decoder, Hex.Bytes("82")));

        // Raising the setting asks for nothing.
        decoder.SetMaxTableSizeSetting(8192);
        Assert.Equal(new[] { (":method", "GET") }, Decode(decoder, Hex.Bytes("82")));
    }

    [Fact]
    public void HpackBombStopsAtTheDecodedHeaderListSize()
    {
        // One 4000-byte entry, then 200 one-byte references to it: 201 bytes that decode to ~800 KB.
        var decoder = new HpackDecoder(maxHeaderListSize: 16 * 1024);
        var value = new string('v', 4000);
        var block = new List<byte>(Literal(0x40, "x", value));
        block.AddRange(Enumerable.Repeat((byte)0xbe, 200));
        // A field after the limit is still decoded, so the table stays in step with the peer.
        block.AddRange(Literal(0x40, "after", "bomb"));

        var handler = new RecordingHeaderHandler();
        var e = Assert.Throws<HpackDecodingException>(() => decoder.Decode(block.ToArray(), ref handler));
        Assert.Equal(HpackDecodingError.HeaderListTooLarge, e.Reason);
        Assert.False(e.IsConnectionError);
        // 4 fields of 4033 bytes fit in 16 KiB; the 5th does not.
        Assert.Equal(4, handler.Fields.Count);

        Assert.Equal(new[] { ("after", "bomb"), ("x", value) }, Decode(decoder, Hex.Bytes("be bf")));
    }

    [Fact]
    public void HuffmanStringsBeyondTheLimitAreNotDecodedButKeepTheContext()
    {
        var decoder = new HpackDecoder(maxTableSize: 4096, maxHeaderListSize: 1000);
        var big = new string('a', 8000);
        var block = new List<byte>(HuffmanLiteral(0x00, "big", big));       // without indexing, over the limit
        block.AddRange(HuffmanLiteral(0x40, "huge", big));                   // with indexing, larger than the table: empties it
        var handler = new RecordingHeaderHandler();
        Decode(decoder, Hex.Bytes("4003 6162 6303 6465 66"));               // abc: def
        Assert.Equal(1, decoder.DynamicTableCount);

        var e = Assert.Throws<HpackDecodingException>(() => decoder.Decode(block.ToArray(), ref handler));
        Assert.Equal(HpackDecodingError.HeaderListTooLarge, e.Reason);
        Assert.Empty(handler.Fields);
        Assert.Equal(0, decoder.DynamicTableCount);

        // Past the list limit but within the table: still decoded and added, only not delivered.
        block = [.. HuffmanLiteral(0x00, "big", big), .. HuffmanLiteral(0x40, "fits", new string('b', 3000))];
        e = Assert.Throws<HpackDecodingException>(() => decoder.Decode(block.ToArray(), ref handler));
        Assert.Equal(HpackDecodingError.HeaderListTooLarge, e.Reason);
        Assert.Equal(1, decoder.DynamicTableCount);
        Assert.Equal(4 + 3000 + 32, decoder.DynamicTableSize);
        decoder.MaxHeaderListSize = 4096;
        Assert.Equal(new[] { ("fits", new string('b', 3000)) }, Decode(decoder, Hex.Bytes("be")));
    }

    [Fact]
    public void InvalidHuffmanIsReportedEvenBeyondTheLimit()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 10);
        var e = Assert.Throws<HpackDecodingException>(() => Decode(decoder, Hex.Bytes("82 00 81 18 00")));
        Assert.Equal(HpackDecodingError.HuffmanInvalidPadding, e.Reason);
    }

    [Fact]
    public void LiteralWithIndexedNameSurvivesEvictingThatName()
    {
        // Table of 60 bytes holds one entry; adding "name: w" evicts "name: v", whose name it uses.
        var decoder = new HpackDecoder(maxTableSize: 60);
        Decode(decoder, Literal(0x40, "name", "v"));
        var fields = Decode(decoder, Hex.Bytes("7e 01 77"));  // incremental, name index 62, value "w"
        Assert.Equal(new[] { ("name", "w") }, fields);
        Assert.Equal(new[] { ("name", "w") }, Decode(decoder, Hex.Bytes("be")));
    }

    [Fact]
    public void DecodingIndexedFieldsAllocatesNothing()
    {
        var decoder = new HpackDecoder();
        foreach (var block in RfcExamples.HuffmanRequests) Decode(decoder, Hex.Bytes(block.Hex));
        var indexed = Hex.Bytes("82 87 85 bf be c0 c1");  // static and dynamic
        var literals = Hex.Bytes(RfcExamples.HuffmanRequests[0].Hex);
        var counter = default(CountingHandler);
        // Until the table is full and evicting, its arrays grow; after that nothing should.
        for (var i = 0; i < 200; i++)
        {
            decoder.Decode(literals, ref counter);
            decoder.Decode(indexed, ref counter);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            decoder.Decode(literals, ref counter);
            decoder.Decode(indexed, ref counter);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(counter.Count > 0);
    }

    private static List<(string, string)> Decode(HpackDecoder decoder, byte[] block)
    {
        var handler = new RecordingHeaderHandler();
        decoder.Decode(block, ref handler);
        return handler.Fields;
    }

    private static byte[] Literal(byte type, string name, string value)
    {
        var bytes = new List<byte> { type };
        foreach (var text in new[] { name, value })
        {
            var raw = HpackTestCases.Utf8(text);
            var length = new byte[HpackInteger.MaxEncodedLength];
            bytes.AddRange(length.AsSpan(0, HpackInteger.Encode(raw.Length, 7, 0x00, length)).ToArray());
            bytes.AddRange(raw);
        }
        return [.. bytes];
    }

    private static byte[] HuffmanLiteral(byte type, string name, string value)
    {
        var bytes = new List<byte> { type };
        foreach (var text in new[] { name, value })
        {
            var raw = HpackTestCases.Utf8(text);
            var coded = new byte[HpackHuffman.GetEncodedLength(raw)];
            HpackHuffman.Encode(raw, coded);
            var length = new byte[HpackInteger.MaxEncodedLength];
            bytes.AddRange(length.AsSpan(0, HpackInteger.Encode(coded.Length, 7, 0x80, length)).ToArray());
            bytes.AddRange(coded);
        }
        return [.. bytes];
    }

    private struct CountingHandler : IHpackHeaderHandler
    {
        public int Count;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex) => Count += name.Length + value.Length;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
