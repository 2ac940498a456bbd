using System.Buffers;
using Junction.Http.Http2;
using static Junction.Http.Tests.Http1.TestSequences;
using static Junction.Http.Tests.Http2.FrameBytes;
using P = Junction.Http.Http2.Http2SettingsParameter;

namespace Junction.Http.Tests.Http2;

public sealed class Http2FrameWriterTests
{
    [Fact]
    public void EveryFrameTypeRoundTripsThroughTheReaderInEverySegmentShape()
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(output, [new(P.HeaderTableSize, 0), new(P.EnablePush, 0), new(P.MaxConcurrentStreams, 250),
            new(P.InitialWindowSize, 1 << 20), new(P.MaxFrameSize, 32_768), new(P.MaxHeaderListSize, 65_536)]);
        Http2FrameWriter.WriteSettings(output, []);
        Http2FrameWriter.WriteSettingsAck(output);
        Http2FrameWriter.WriteHeaders(output, 1, Ascii("block"), endStream: false, maxFrameSize: 16_384);
        Http2FrameWriter.WriteData(output, 1, Ascii("body"), endStream: true, maxFrameSize: 16_384);
        Http2FrameWriter.WriteHeaders(output, 3, Ascii("get"), endStream: true, maxFrameSize: 16_384);
        Http2FrameWriter.WritePing(output, 0x0102030405060708, ack: false);
        Http2FrameWriter.WritePing(output, ulong.MaxValue, ack: true);
        Http2FrameWriter.WriteRstStream(output, 3, Http2ErrorCode.RefusedStream);
        Http2FrameWriter.WriteWindowUpdate(output, 0, int.MaxValue);
        Http2FrameWriter.WriteWindowUpdate(output, 5, 1);
        Http2FrameWriter.WriteGoAway(output, 3, Http2ErrorCode.NoError, Ascii("draining"));
        Http2FrameWriter.WriteGoAway(output, 0, Http2ErrorCode.ProtocolError, []);

        string[] expected =
        [
            "Settings 0 - {HeaderTableSize=0, EnablePush=0, MaxConcurrentStreams=250, InitialWindowSize=1048576, MaxFrameSize=32768, MaxHeaderListSize=65536}",
            "Settings 0 - {}",
            "Settings 0 ACK {}",
            "Headers 1 END_HEADERS [block]",
            "Data 1 END_STREAM [body]",
            "Headers 3 END_STREAM|END_HEADERS [get]",
            "Ping 0 - 0102030405060708",
            "Ping 0 ACK ffffffffffffffff",
            "RstStream 3 - RefusedStream",
            "WindowUpdate 0 - +2147483647",
            "WindowUpdate 5 - +1",
            "GoAway 0 - last 3 NoError [draining]",
            "GoAway 0 - last 0 ProtocolError []",
        ];
        foreach (var (shape, sequence) in AllShapes(output.WrittenSpan.ToArray()))
        {
            Assert.Equal(expected, ReadAll(sequence, isServer: false));
            _ = shape;
        }
    }

    [Fact]
    public void ClientPrefaceIsTheMagicThatPrefaceDetectionMatches()
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteClientPreface(output);

        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Text(output.WrittenSpan));
        Assert.Equal(Http2PrefaceMatch.Matches, Http2Preface.Match(new ReadOnlySequence<byte>(output.WrittenMemory)));
    }

    [Theory]
    [InlineData(0, 16_384, new[] { 0 })]
    [InlineData(1, 16_384, new[] { 1 })]
    [InlineData(16_384, 16_384, new[] { 16_384 })]
    [InlineData(16_385, 16_384, new[] { 16_384, 1 })]
    [InlineData(40_000, 16_384, new[] { 16_384, 16_384, 7_232 })]
    [InlineData(100, 30, new[] { 30, 30, 30, 10 })]
    public void DataIsSplitAtTheMaxFrameSizeWithEndStreamOnlyOnTheLast(int bodyLength, int maxFrameSize, int[] frameLengths)
    {
        var body = Enumerable.Range(0, bodyLength).Select(i => (byte)i).ToArray();
        foreach (var asSequence in new[] { false, true })
        {
            var output = new ArrayBufferWriter<byte>();
            if (asSequence)
            {
                // Segments that do not line up with frame boundaries.
                var cuts = new[] { 0, Math.Min(7, bodyLength), Math.Min(maxFrameSize + 3, bodyLength), bodyLength };
                var sequence = Of(cuts.Zip(cuts.Skip(1), (a, b) => body[a..b]).ToArray());
                Http2FrameWriter.WriteData(output, 7, sequence, endStream: true, maxFrameSize);
            }
            else
            {
                Http2FrameWriter.WriteData(output, 7, body, endStream: true, maxFrameSize);
            }

            var frames = ReadFrames(output.WrittenMemory, maxFrameSize);
            Assert.Equal(frameLengths, frames.Select(f => f.Header.Length).ToArray());
            Assert.All(frames, f => Assert.Equal(Http2FrameType.Data, f.Type));
            Assert.All(frames, f => Assert.Equal(7, f.StreamId));
            Assert.Equal(frames.Select((_, i) => i == frames.Count - 1).ToArray(), frames.Select(f => f.HasFlag(Http2Flags.EndStream)).ToArray());
            Assert.Equal(body, frames.SelectMany(f => f.GetData().ToArray()).ToArray());
        }
    }

    [Fact]
    public void DataWithoutEndStreamHasTheFlagOnNoFrame()
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteData(output, 1, new byte[50], endStream: false, maxFrameSize: 20);

        Assert.All(ReadFrames(output.WrittenMemory, 20), f => Assert.False(f.HasFlag(Http2Flags.EndStream)));
    }

    [Theory]
    [InlineData(0, 10, new[] { 0 })]
    [InlineData(10, 10, new[] { 10 })]
    [InlineData(11, 10, new[] { 10, 1 })]
    [InlineData(30, 10, new[] { 10, 10, 10 })]
    [InlineData(35, 10, new[] { 10, 10, 10, 5 })]
    public void HeaderBlockIsSplitIntoContinuationFramesAtTheMaxFrameSize(int blockLength, int maxFrameSize, int[] frameLengths)
    {
        var block = Enumerable.Range(0, blockLength).Select(i => (byte)('a' + (i % 26))).ToArray();
        var output = new ArrayBufferWriter<byte>();

        Http2FrameWriter.WriteHeaders(output, 9, block, endStream: true, maxFrameSize);

        var frames = ReadFrames(output.WrittenMemory, maxFrameSize);
        Assert.Equal(frameLengths, frames.Select(f => f.Header.Length).ToArray());
        Assert.Equal(Http2FrameType.Headers, frames[0].Type);
        Assert.All(frames.Skip(1), f => Assert.Equal(Http2FrameType.Continuation, f.Type));
        Assert.All(frames, f => Assert.Equal(9, f.StreamId));
        // END_STREAM belongs to HEADERS alone; END_HEADERS to the last frame alone.
        Assert.Equal(Http2Flags.EndStream | (frames.Count == 1 ? Http2Flags.EndHeaders : 0), frames[0].Header.Flags);
        Assert.All(frames.Skip(1).SkipLast(1), f => Assert.Equal(Http2Flags.None, f.Header.Flags));
        Assert.Equal(Http2Flags.EndHeaders, frames[^1].Header.Flags & Http2Flags.EndHeaders);
        Assert.Equal(block, frames.SelectMany(f => f.GetFieldBlockFragment().ToArray()).ToArray());
    }

    [Fact]
    public void GoAwayDebugDataIsCutToTheSmallestFrameEveryPeerAccepts()
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteGoAway(output, 1, Http2ErrorCode.InternalError, new byte[20_000]);

        var frames = ReadFrames(output.WrittenMemory, 16_384);
        Assert.Equal(16_384, frames.Single().Header.Length);
        Assert.Equal(16_376, frames.Single().GetGoAwayDebugData().Length);
    }

    [Fact]
    public void FramesAreWrittenWithoutAskingTheOutputForMoreThanAHeaderAndAFixedPayload()
    {
        // A pipe hands out pool blocks; a request for header + 16 KiB of data would not fit one and
        // would make it allocate. This output gives exactly what is asked (at least 5 bytes).
        var output = new StingyBufferWriter();
        Http2FrameWriter.WriteData(output, 1, new byte[40_000], endStream: true, maxFrameSize: 16_384);
        Http2FrameWriter.WriteHeaders(output, 1, new byte[20_000], endStream: false, maxFrameSize: 16_384);
        Http2FrameWriter.WriteGoAway(output, 1, Http2ErrorCode.NoError, new byte[100]);

        Assert.True(output.LargestRequest <= 17, $"asked for {output.LargestRequest} bytes");
        var frames = ReadFrames(output.Written.ToArray(), 16_384);
        Assert.Equal([16_384, 16_384, 7_232, 16_384, 3_616, 108], frames.Select(f => f.Header.Length).ToArray());
    }

    [Fact]
    public void InvalidArgumentsAreBugsAndThrow()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteData(output, 0, [], true, 16_384));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteData(output, 1, [], true, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteData(output, 1, [], true, 1 << 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteHeaders(output, 0, [], true, 16_384));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteRstStream(output, 0, Http2ErrorCode.Cancel));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteWindowUpdate(output, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteWindowUpdate(output, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteGoAway(output, -1, Http2ErrorCode.NoError, []));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void ReservedBitIsNeverSent()
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteWindowUpdate(output, int.MaxValue, int.MaxValue);

        Assert.Equal(Frame(Http2FrameType.WindowUpdate, Http2Flags.None, 0x7fff_ffff, UInt32(0x7fff_ffff)), output.WrittenSpan.ToArray());
    }

    private static List<string> ReadAll(ReadOnlySequence<byte> buffer, bool isServer)
    {
        var reader = new Http2FrameReader(isServer);
        var described = new List<string>();
        while (reader.Read(ref buffer, out var frame, out var error) == Http2FrameReadResult.Frame)
        {
            described.Add(FrameDescriber.Describe(frame));
        }
        Assert.True(buffer.IsEmpty);
        return described;
    }

    private static List<Http2Frame> ReadFrames(ReadOnlyMemory<byte> bytes, int maxFrameSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var reader = new Http2FrameReader(isServer: true) { MaxFrameSize = Math.Max(maxFrameSize, 16_384) };
        var frames = new List<Http2Frame>();
        Http2FrameReadResult result;
        while ((result = reader.Read(ref buffer, out var frame, out var error)) == Http2FrameReadResult.Frame)
        {
            Assert.True(frame.Header.Length <= maxFrameSize);
            frames.Add(frame);
        }
        Assert.Equal(Http2FrameReadResult.NeedMoreData, result);
        Assert.True(buffer.IsEmpty);
        return frames;
    }

    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private byte[] _buffer = new byte[64];
        private int _written;
        private int _offered;

        public int LargestRequest { get; private set; }

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _written);

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _offered);
            _written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            LargestRequest = Math.Max(LargestRequest, sizeHint);
            _offered = Math.Max(sizeHint, 5);
            if (_buffer.Length < _written + _offered) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + _offered));
            return _buffer.AsMemory(_written, _offered);
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
