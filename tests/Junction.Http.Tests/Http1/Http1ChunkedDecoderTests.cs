using System.Buffers;
using Junction.Http.Http1;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http1;

public sealed class Http1ChunkedDecoderTests
{
    private static readonly Http1ParserLimits SmallLimits = new() { MaxChunkLineBytes = 24, MaxHeaderBytes = 40, MaxHeaderCount = 3 };

    public static TheoryData<string, string, string, string[]> ValidBodies => new()
    {
        { "two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", ["end"] },
        { "empty body", "0\r\n\r\n", "", ["end"] },
        {
            "extensions everywhere", "5;name=value\r\nhello\r\n6 ; a=\"q r\" ;b\r\n world\r\n0;last\r\n\r\n",
            "hello world", ["end"]
        },
        {
            "trailers", "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other:\tv \u00e9 \r\n\r\n",
            "abc", ["[X-Checksum] [123]", "[X-Other] [v \u00e9]", "end"]
        },
        { "hex case and leading zeros", "000A\r\n0123456789\r\na\r\nabcdefghij\r\n000\r\n\r\n", "0123456789abcdefghij", ["end"] },
        { "data containing CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", ["end"] },
        { "large chunk", "1000\r\n" + new string('x', 4096) + "\r\n0\r\n\r\n", new string('x', 4096), ["end"] },
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void ValidBodyDecodesTheSameInEverySegmentShape(string name, string body, string expectedData, string[] expectedTrailers)
    {
        _ = name;
        var input = Bytes(body + "GET /next HTTP/1.1\r\n");
        foreach (var (shape, sequence) in AllShapes(input))
        {
            var decoder = new Http1ChunkedDecoder(Http1ParserLimits.Default);
            var handler = new RecordingHandler();
            var reader = new SequenceReader<byte>(sequence);
            var data = new List<byte>();
            Http1ChunkedResult result;
            while ((result = decoder.Decode(ref reader, ref handler, out var chunk)) == Http1ChunkedResult.Data)
            {
                Assert.False(chunk.IsEmpty);
                data.AddRange(chunk.ToArray());
            }
            Assert.True(result == Http1ChunkedResult.Complete, shape);
            Assert.True(decoder.IsComplete);
            Assert.Equal(expectedData, Text(data.ToArray()));
            Assert.Equal(expectedTrailers, handler.Events);
            Assert.Equal(body.Length, reader.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void ValidBodyFedByteByByteDecodesTheSame(string name, string body, string expectedData, string[] expectedTrailers)
    {
        _ = name;
        var input = Bytes(body);
        var decoder = new Http1ChunkedDecoder(Http1ParserLimits.Default);
        var handler = new RecordingHandler();
        var data = new List<byte>();
        long consumed = 0;
        for (var available = 0; available <= input.Length && !decoder.IsComplete; available++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(input, (int)consumed, available - (int)consumed));
            while (decoder.Decode(ref reader, ref handler, out var chunk) == Http1ChunkedResult.Data) data.AddRange(chunk.ToArray());
            consumed += reader.Consumed;
            Assert.Equal(expectedTrailers.Take(handler.Events.Count), handler.Events);
            if (decoder.IsComplete) Assert.Equal(input.Length, available);
        }
        Assert.True(decoder.IsComplete);
        Assert.Equal(expectedData, Text(data.ToArray()));
        Assert.Equal(expectedTrailers, handler.Events);
        Assert.Equal(input.Length, consumed);
    }

    [Fact]
    public void DecoderIsReusableAfterReset()
    {
        var decoder = new Http1ChunkedDecoder(Http1ParserLimits.Default);
        var handler = new RecordingHandler();
        var reader = new SequenceReader<byte>(Sequence("1\r\na\r\n0\r\n\r\n2\r\nbc\r\n0\r\n\r\n"));
        for (var i = 0; i < 2; i++)
        {
            decoder.Reset();
            while (decoder.Decode(ref reader, ref handler, out _) == Http1ChunkedResult.Data) { }
            Assert.True(decoder.IsComplete);
            // A completed decoder consumes nothing more until it is reset.
            Assert.Equal(Http1ChunkedResult.Complete, decoder.Decode(ref reader, ref handler, out _));
        }
        Assert.True(reader.End);
    }

    [Fact]
    public void LargestChunkSizeIsAccepted()
    {
        var decoder = new Http1ChunkedDecoder(Http1ParserLimits.Default);
        var handler = new RecordingHandler();
        var reader = new SequenceReader<byte>(Sequence("7fffffffffffffff\r\nabc"));
        Assert.Equal(Http1ChunkedResult.Data, decoder.Decode(ref reader, ref handler, out var data));
        Assert.Equal("abc", Text(data.ToArray()));
        Assert.Equal(Http1ChunkedResult.NeedMoreData, decoder.Decode(ref reader, ref handler, out _));
    }

    [Fact]
    public void ConfiguredMaxChunkSizeIsEnforced()
    {
        var limits = new Http1ParserLimits { MaxChunkSize = 1000 };
        var handler = new RecordingHandler();
        var accepted = new SequenceReader<byte>(Sequence("3e8\r\n"));
        Assert.Equal(Http1ChunkedResult.NeedMoreData, new Http1ChunkedDecoder(limits).Decode(ref accepted, ref handler, out _));
        Assert.Equal(5, accepted.Consumed);
        AssertRejectedInEveryShape("3e9\r\n", Http1RejectReason.ChunkSizeTooLarge, limits);
    }

    [Theory]
    [InlineData("5\nhello\r\n0\r\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("5\r\nhello\n0\r\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("5\r\nhell\r\n0\r\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("0\r\n\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("5\rhello\r\n0\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("5\r\nhello\r0\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n", nameof(Http1RejectReason.ChunkDataNotTerminated))]
    [InlineData("5\r\nhello0\r\n\r\n", nameof(Http1RejectReason.ChunkDataNotTerminated))]
    [InlineData("x\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("5g\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("-5\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("+5\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("0x5\r\n", nameof(Http1RejectReason.InvalidChunkSize))]
    [InlineData("5 \r\nhello\r\n0\r\n\r\n", nameof(Http1RejectReason.InvalidChunkExtension))]
    [InlineData("5 x\r\n", nameof(Http1RejectReason.InvalidChunkExtension))]
    [InlineData("5;a\u0000\r\n", nameof(Http1RejectReason.InvalidChunkExtension))]
    [InlineData("5;a=\u007f\r\n", nameof(Http1RejectReason.InvalidChunkExtension))]
    [InlineData("8000000000000000\r\n", nameof(Http1RejectReason.ChunkSizeTooLarge))]
    [InlineData("FFFFFFFFFFFFFFFFF\r\n", nameof(Http1RejectReason.ChunkSizeTooLarge))]
    [InlineData("00000000000000000000000\r\n", nameof(Http1RejectReason.ChunkLineTooLong))]
    [InlineData("5;name=a-very-long-extension-value\r\nhello\r\n0\r\n\r\n", nameof(Http1RejectReason.ChunkLineTooLong))]
    [InlineData("5;name=a-very-long-extension-value-that-never-ends", nameof(Http1RejectReason.ChunkLineTooLong))]
    [InlineData("0\r\nX : y\r\n\r\n", nameof(Http1RejectReason.WhitespaceInHeaderName))]
    [InlineData("0\r\nX: y\r\n folded\r\n\r\n", nameof(Http1RejectReason.ObsFold))]
    [InlineData("0\r\nX: a\u0000\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderValue))]
    [InlineData("0\r\nX y\r\n\r\n", nameof(Http1RejectReason.MissingColon))]
    [InlineData("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", nameof(Http1RejectReason.TooManyHeaders))]
    [InlineData("0\r\nA: 0123456789012345678901234567890123456789\r\n\r\n", nameof(Http1RejectReason.HeadersTooLarge))]
    public void MalformedBodyIsRejected(string body, string reason) =>
        AssertRejectedInEveryShape(body, Enum.Parse<Http1RejectReason>(reason), SmallLimits);

    [Fact]
    public void DecodingAllocatesNothingInSteadyState()
    {
        var body = Bytes("5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n");
        ReadOnlySequence<byte>[] inputs = [new(body), TestSequences.Of(body[..3], body[3..10], body[10..])];
        var decoder = new Http1ChunkedDecoder(Http1ParserLimits.Default);
        var handler = default(NullHeadersHandler);
        long bytes = 0;

        void DecodeAll()
        {
            foreach (var input in inputs)
            {
                decoder.Reset();
                var reader = new SequenceReader<byte>(input);
                while (decoder.Decode(ref reader, ref handler, out var data) == Http1ChunkedResult.Data) bytes += data.Length;
            }
        }

        DecodeAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) DecodeAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * 2 * 11, bytes);
    }

    private struct NullHeadersHandler : IHttp1HeadersHandler
    {
        public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) { }

        public readonly void OnHeadersComplete() { }
    }

    private static void AssertRejectedInEveryShape(string body, Http1RejectReason expected, Http1ParserLimits limits)
    {
        var input = Bytes(body);
        foreach (var (shape, sequence) in AllShapes(input))
        {
            var e = Assert.Throws<Http1ParseException>(() =>
            {
                var decoder = new Http1ChunkedDecoder(limits);
                var handler = new RecordingHandler();
                var reader = new SequenceReader<byte>(sequence);
                while (decoder.Decode(ref reader, ref handler, out _) == Http1ChunkedResult.Data) { }
            });
            Assert.True(expected == e.Reason, $"{shape}: expected {expected}, got {e.Reason}");
        }

        var fed = new Http1ChunkedDecoder(limits);
        var fedHandler = new RecordingHandler();
        long consumed = 0;
        Http1ParseException? rejection = null;
        for (var available = 0; available <= input.Length && rejection is null; available++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(input, (int)consumed, available - (int)consumed));
            try
            {
                while (fed.Decode(ref reader, ref fedHandler, out _) == Http1ChunkedResult.Data) { }
            }
            catch (Http1ParseException e)
            {
                rejection = e;
            }
            consumed += reader.Consumed;
        }
        Assert.NotNull(rejection);
        Assert.Equal(expected, rejection.Reason);
    }
}
