using System.Buffers;
using System.Runtime.InteropServices;
using Junction.Http.Http2;
using static Junction.Http.Tests.Http1.TestSequences;
using static Junction.Http.Tests.Http2.FrameBytes;
using P = Junction.Http.Http2.Http2SettingsParameter;
using T = Junction.Http.Http2.Http2FrameType;
using F = Junction.Http.Http2.Http2Flags;

namespace Junction.Http.Tests.Http2;

public sealed class Http2FrameReaderTests
{
    // One frame of each kind, hand-built, with the line FrameDescriber gives for it.
    private static readonly (byte[] Bytes, string Expected)[] ValidFrames =
    [
        (
            Frame(T.Settings, F.None, 0, Concat(Setting(P.MaxConcurrentStreams, 100), Setting((P)0x8, 1), Setting(P.InitialWindowSize, 1 << 20))),
            "Settings 0 - {MaxConcurrentStreams=100, 8=1, InitialWindowSize=1048576}"
       ),
        (Frame(T.Settings, F.Ack, 0), "Settings 0 ACK {}"),
        (
            Frame(T.Headers, F.Padded | F.Priority | F.EndStream, 1, Concat([2], UInt32(0x8000_0003), [15], Ascii("abc"), [0, 0])),
            "Headers 1 END_STREAM|PADDED|PRIORITY [abc] depends on 3 exclusively weight 16"
       ),
        (Frame(T.Headers, F.None, 0x8000_0005, Ascii("hdr")), "Headers 5 - [hdr]"),
        (Frame(T.Continuation, F.EndHeaders | F.Padded, 1, Ascii("de")), "Continuation 1 END_HEADERS|PADDED [de]"),
        (Frame(T.Data, F.Padded, 1, Concat([3], Ascii("hello"), [0, 0, 0])), "Data 1 PADDED [hello]"),
        (Frame(T.Data, F.Padded, 1, [0]), "Data 1 PADDED []"),
        (Frame(T.Data, F.Padded, 1, [4, 0, 0, 0, 0]), "Data 1 PADDED []"),
        (Frame(T.Data, F.EndStream, 3), "Data 3 END_STREAM []"),
        (Frame(T.Priority, F.None, 3, Concat(UInt32(1), [255])), "Priority 3 - depends on 1 weight 256"),
        (Frame(T.RstStream, F.None, 3, UInt32(8)), "RstStream 3 - Cancel"),
        (Frame(T.RstStream, F.None, 3, UInt32(0xabc)), "RstStream 3 - 2748"),
        (Frame(T.Ping, F.None, 0, [1, 2, 3, 4, 5, 6, 7, 8]), "Ping 0 - 0102030405060708"),
        (Frame(T.Ping, F.Ack, 0, [0xff, 0, 0, 0, 0, 0, 0, 0xfe]), "Ping 0 ACK ff000000000000fe"),
        (Frame(T.GoAway, F.None, 0, Concat(UInt32(0x8000_0007), UInt32(0), Ascii("bye"))), "GoAway 0 - last 7 NoError [bye]"),
        (Frame(T.GoAway, F.None, 0, Concat(UInt32(0), UInt32(11))), "GoAway 0 - last 0 EnhanceYourCalm []"),
        (Frame(T.WindowUpdate, F.None, 0, UInt32(0x8000_0001)), "WindowUpdate 0 - +1"),
        (Frame(T.WindowUpdate, F.None, 5, UInt32(0x7fff_ffff)), "WindowUpdate 5 - +2147483647"),
        // Unknown types are passed on for the connection to ignore, on any stream and with any flags.
        ((byte[])Frame(0xfa, 0xff, 0, Ascii("ext"), 3), "250 0 END_STREAM|END_HEADERS|PADDED|PRIORITY|0xd2 length 3"),
        ((byte[])Frame(0x0a, 0x00, 7, [], 0), "10 7 - length 0"),
    ];

    public static TheoryData<int> ValidFrameIndexes => new(Enumerable.Range(0, ValidFrames.Length));

    [Fact]
    public void ReadsEveryKindOfFrameInEverySegmentShape()
    {
        var input = Concat(ValidFrames.Select(f => f.Bytes).ToArray());
        var expected = ValidFrames.Select(f => f.Expected).ToArray();
        foreach (var (shape, sequence) in AllShapes(input))
        {
            var buffer = sequence;
            var described = new List<string>();
            var reader = new Http2FrameReader(isServer: true);
            Http2FrameReadResult result;
            while ((result = reader.Read(ref buffer, out var frame, out var error)) == Http2FrameReadResult.Frame)
            {
                described.Add(FrameDescriber.Describe(frame));
            }
            Assert.True(result == Http2FrameReadResult.NeedMoreData, shape);
            Assert.True(buffer.IsEmpty, shape);
            Assert.Equal(expected, described);
        }
    }

    [Theory]
    [MemberData(nameof(ValidFrameIndexes))]
    public void EveryProperPrefixOfAFrameNeedsMoreDataAndConsumesNothing(int index)
    {
        var bytes = ValidFrames[index].Bytes;
        var reader = new Http2FrameReader(isServer: true);
        var empty = ReadOnlySequence<byte>.Empty;
        Assert.Equal(Http2FrameReadResult.NeedMoreData, reader.Read(ref empty, out _, out _));
        for (var length = 1; length < bytes.Length; length++)
        {
            foreach (var (shape, sequence) in AllShapes(bytes[..length]))
            {
                var buffer = sequence;
                Assert.True(reader.Read(ref buffer, out _, out _) == Http2FrameReadResult.NeedMoreData, $"{length} bytes, {shape}");
                Assert.Equal(sequence.Start, buffer.Start);
                Assert.Equal(sequence.End, buffer.End);
            }
        }
    }

    [Fact]
    public void PayloadIsASliceOfTheInputNotACopy()
    {
        var input = Frame(T.Data, F.None, 1, Ascii("zero copy"));
        var buffer = new ReadOnlySequence<byte>(input);
        var reader = new Http2FrameReader(isServer: true);

        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var frame, out _));

        Assert.True(MemoryMarshal.TryGetArray(frame.GetData().First, out var segment));
        Assert.Same(input, segment.Array);
        Assert.Equal(9, segment.Offset);
    }

    [Fact]
    public void ReadsFramesUpToTheMaxFrameSizeAndTheLimitFollowsTheSetting()
    {
        var reader = new Http2FrameReader(isServer: true);
        var atLimit = Frame(T.Data, F.None, 1, new byte[16_384]);
        var buffer = new ReadOnlySequence<byte>(atLimit);
        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var frame, out _));
        Assert.Equal(16_384, frame.Header.Length);

        var larger = Frame(T.Data, F.None, 1, new byte[20_000]);
        buffer = new ReadOnlySequence<byte>(larger);
        Assert.Equal(Http2FrameReadResult.Error, reader.Read(ref buffer, out _, out _));

        reader.MaxFrameSize = 20_000;
        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out frame, out _));
        Assert.Equal(20_000, frame.Header.Length);
    }

    [Fact]
    public void MaxFrameSizeOutsideTheRfcRangeIsRefused()
    {
        var reader = new Http2FrameReader(isServer: true);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.MaxFrameSize = 16_383);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.MaxFrameSize = 16_777_216);
        reader.MaxFrameSize = 16_777_215;
        Assert.Equal(16_777_215, reader.MaxFrameSize);
    }

    // Each case: a frame breaking one rule, the endpoint reading it, and the error it must give.
    private static readonly (string Rule, byte[] Bytes, bool IsServer, bool ConnectionError, Http2ErrorCode Code)[] Violations =
    [
        ("longer than SETTINGS_MAX_FRAME_SIZE", Frame(T.Data, F.None, 1, new byte[16_385]), true, true, Http2ErrorCode.FrameSizeError),
        ("unknown type longer than the limit", Frame(0xfa, 0, 0, new byte[16_385], 16_385), true, true, Http2ErrorCode.FrameSizeError),
        ("DATA on stream 0", Frame(T.Data, F.None, 0, Ascii("x")), true, true, Http2ErrorCode.ProtocolError),
        ("HEADERS on stream 0", Frame(T.Headers, F.EndHeaders, 0, Ascii("x")), true, true, Http2ErrorCode.ProtocolError),
        ("PRIORITY on stream 0", Frame(T.Priority, F.None, 0, Concat(UInt32(1), [0])), true, true, Http2ErrorCode.ProtocolError),
        ("RST_STREAM on stream 0", Frame(T.RstStream, F.None, 0, UInt32(0)), true, true, Http2ErrorCode.ProtocolError),
        ("CONTINUATION on stream 0", Frame(T.Continuation, F.EndHeaders, 0, Ascii("x")), true, true, Http2ErrorCode.ProtocolError),
        ("stream 0 with the reserved bit set is still stream 0", Frame(T.Data, F.None, 0x8000_0000, Ascii("x")), true, true, Http2ErrorCode.ProtocolError),
        ("SETTINGS on a stream", Frame(T.Settings, F.None, 1), true, true, Http2ErrorCode.ProtocolError),
        ("SETTINGS ACK on a stream", Frame(T.Settings, F.Ack, 1), true, true, Http2ErrorCode.ProtocolError),
        ("PING on a stream", Frame(T.Ping, F.None, 1, new byte[8]), true, true, Http2ErrorCode.ProtocolError),
        ("GOAWAY on a stream", Frame(T.GoAway, F.None, 1, new byte[8]), true, true, Http2ErrorCode.ProtocolError),
        ("SETTINGS length not a multiple of 6", Frame(T.Settings, F.None, 0, new byte[7]), true, true, Http2ErrorCode.FrameSizeError),
        ("SETTINGS ACK with a payload", Frame(T.Settings, F.Ack, 0, Setting(P.EnablePush, 0)), true, true, Http2ErrorCode.FrameSizeError),
        ("PING of 7 bytes", Frame(T.Ping, F.None, 0, new byte[7]), true, true, Http2ErrorCode.FrameSizeError),
        ("PING ACK of 9 bytes", Frame(T.Ping, F.Ack, 0, new byte[9]), true, true, Http2ErrorCode.FrameSizeError),
        ("RST_STREAM of 3 bytes", Frame(T.RstStream, F.None, 1, new byte[3]), true, true, Http2ErrorCode.FrameSizeError),
        ("RST_STREAM of 5 bytes", Frame(T.RstStream, F.None, 1, new byte[5]), true, true, Http2ErrorCode.FrameSizeError),
        ("WINDOW_UPDATE of 3 bytes on a stream", Frame(T.WindowUpdate, F.None, 1, [0, 0, 1]), true, true, Http2ErrorCode.FrameSizeError),
        ("WINDOW_UPDATE of 5 bytes on the connection", Frame(T.WindowUpdate, F.None, 0, [0, 0, 0, 1, 0]), true, true, Http2ErrorCode.FrameSizeError),
        ("WINDOW_UPDATE of 0 on the connection", Frame(T.WindowUpdate, F.None, 0, UInt32(0)), true, true, Http2ErrorCode.ProtocolError),
        ("GOAWAY of 7 bytes", Frame(T.GoAway, F.None, 0, new byte[7]), true, true, Http2ErrorCode.FrameSizeError),
        ("padded DATA without a pad length", Frame(T.Data, F.Padded, 1), true, true, Http2ErrorCode.FrameSizeError),
        ("DATA padding as long as the payload", Frame(T.Data, F.Padded, 1, [5, 0, 0, 0, 0]), true, true, Http2ErrorCode.ProtocolError),
        ("DATA padding longer than the payload", Frame(T.Data, F.Padded, 1, [200, 0, 0]), true, true, Http2ErrorCode.ProtocolError),
        ("HEADERS too short for its priority", Frame(T.Headers, F.Priority, 1, new byte[4]), true, true, Http2ErrorCode.FrameSizeError),
        ("HEADERS too short for pad length and priority", Frame(T.Headers, F.Priority | F.Padded, 1, new byte[5]), true, true, Http2ErrorCode.FrameSizeError),
        (
            "HEADERS padding eating into the priority", Frame(T.Headers, F.Priority | F.Padded, 1, Concat([3], UInt32(3), [0], [0, 0])),
            true, true, Http2ErrorCode.ProtocolError
       ),
        ("PUSH_PROMISE sent to a server", Frame(T.PushPromise, F.EndHeaders, 1, UInt32(2)), true, true, Http2ErrorCode.ProtocolError),
        ("PUSH_PROMISE too short for the promised stream", Frame(T.PushPromise, F.EndHeaders, 1, new byte[3]), false, true, Http2ErrorCode.FrameSizeError),
        (
            "PUSH_PROMISE padding longer than the fragment", Frame(T.PushPromise, F.EndHeaders | F.Padded, 1, Concat([2], UInt32(2), [0])),
            false, true, Http2ErrorCode.ProtocolError
       ),
        ("SETTINGS_ENABLE_PUSH of 2", Frame(T.Settings, F.None, 0, Setting(P.EnablePush, 2)), true, true, Http2ErrorCode.ProtocolError),
        ("SETTINGS_ENABLE_PUSH of 1 from a server", Frame(T.Settings, F.None, 0, Setting(P.EnablePush, 1)), false, true, Http2ErrorCode.ProtocolError),
        (
            "SETTINGS_INITIAL_WINDOW_SIZE of 2^31", Frame(T.Settings, F.None, 0, Concat(Setting(P.HeaderTableSize, 0), Setting(P.InitialWindowSize, 1u << 31))),
            true, true, Http2ErrorCode.FlowControlError
       ),
        ("SETTINGS_MAX_FRAME_SIZE of 16383", Frame(T.Settings, F.None, 0, Setting(P.MaxFrameSize, 16_383)), true, true, Http2ErrorCode.ProtocolError),
        ("SETTINGS_MAX_FRAME_SIZE of 2^24", Frame(T.Settings, F.None, 0, Setting(P.MaxFrameSize, 1u << 24)), true, true, Http2ErrorCode.ProtocolError),
        ("PRIORITY of 4 bytes", Frame(T.Priority, F.None, 3, new byte[4]), true, false, Http2ErrorCode.FrameSizeError),
        ("PRIORITY of 6 bytes", Frame(T.Priority, F.None, 3, new byte[6]), true, false, Http2ErrorCode.FrameSizeError),
        ("PRIORITY on itself", Frame(T.Priority, F.None, 3, Concat(UInt32(0x8000_0003), [7])), true, false, Http2ErrorCode.ProtocolError),
        ("WINDOW_UPDATE of 0 on a stream", Frame(T.WindowUpdate, F.None, 3, UInt32(0)), true, false, Http2ErrorCode.ProtocolError),
        ("WINDOW_UPDATE of 0 with the reserved bit set", Frame(T.WindowUpdate, F.None, 3, UInt32(0x8000_0000)), true, false, Http2ErrorCode.ProtocolError),
    ];

    public static TheoryData<string> ViolatedRules => new(Violations.Select(v => v.Rule));

    [Theory]
    [MemberData(nameof(ViolatedRules))]
    public void ViolationIsReportedWithItsScopeAndCodeInEverySegmentShape(string rule)
    {
        var (_, frameBytes, isServer, connectionError, code) = Violations.Single(v => v.Rule == rule);
        // A valid frame follows, so a stream error must leave the reader right before it.
        var next = Frame(T.Ping, F.None, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
        foreach (var (shape, sequence) in Shapes(Concat(frameBytes, next)))
        {
            var buffer = sequence;
            var reader = new Http2FrameReader(isServer) { EnablePush = true };

            var result = reader.Read(ref buffer, out var frame, out var error);

            Assert.True(result == Http2FrameReadResult.Error, $"{rule}: {result}, {shape}");
            Assert.Equal(connectionError, error.IsConnectionError);
            Assert.Equal(code, error.Code);
            Assert.False(string.IsNullOrEmpty(error.Reason));
            if (connectionError)
            {
                Assert.Equal(0, error.StreamId);
                Assert.Equal(sequence.Start, buffer.Start);
            }
            else
            {
                Assert.Equal(frame.StreamId, error.StreamId);
                Assert.NotEqual(0, error.StreamId);
                Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var following, out _));
                Assert.Equal(T.Ping, following.Type);
                Assert.True(buffer.IsEmpty);
            }
        }
    }

    // Every shape of a 16 KiB frame would be 16 K copies of it: large inputs get the cuts that matter
    // (inside the header, right after it, inside the payload, before the next frame).
    private static IEnumerable<(string Shape, ReadOnlySequence<byte> Sequence)> Shapes(byte[] input)
    {
        if (input.Length <= 1024) return AllShapes(input);
        return new[] { 0, 4, 9, 10, input.Length / 2, input.Length - 17, input.Length - 1 }
            .Select(cut => ($"split at {cut}", Of(input[..cut], input[cut..])))
            .Prepend(("single segment", new ReadOnlySequence<byte>(input)));
    }

    [Fact]
    public void PushPromiseIsAnErrorForAClientThatDisabledPush()
    {
        var reader = new Http2FrameReader(isServer: false) { EnablePush = false };
        var buffer = new ReadOnlySequence<byte>(Frame(T.PushPromise, F.EndHeaders, 1, UInt32(2)));

        Assert.Equal(Http2FrameReadResult.Error, reader.Read(ref buffer, out _, out var error));

        Assert.True(error.IsConnectionError);
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
    }

    [Fact]
    public void PushPromiseReachesAClientThatAllowsPush()
    {
        var reader = new Http2FrameReader(isServer: false);
        var bytes = Frame(T.PushPromise, F.EndHeaders | F.Padded, 1, Concat([1], UInt32(0x8000_0002), Ascii("frag"), [0]));
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var frame, out _));

        Assert.Equal("PushPromise 1 END_HEADERS|PADDED promised 2 [frag]", FrameDescriber.Describe(frame));
    }

    [Fact]
    public void ClientAcceptsEnablePushZeroFromAServer()
    {
        var reader = new Http2FrameReader(isServer: false);
        var buffer = new ReadOnlySequence<byte>(Frame(T.Settings, F.None, 0, Setting(P.EnablePush, 0)));

        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out _, out _));
    }

    public static TheoryData<string, byte[]> ErrorsKnownFromTheHeader => new()
    {
        { "longer than SETTINGS_MAX_FRAME_SIZE", Frame((byte)T.Data, 0, 1, [], 16_777_215) },
        { "DATA on stream 0", Frame((byte)T.Data, 0, 0, [], 100) },
        { "SETTINGS on a stream", Frame((byte)T.Settings, 0, 1, [], 6) },
        { "RST_STREAM of the wrong length", Frame((byte)T.RstStream, 0, 1, [], 400) },
        { "PUSH_PROMISE to a server", Frame((byte)T.PushPromise, 0, 1, [], 1000) },
    };

    [Theory]
    [MemberData(nameof(ErrorsKnownFromTheHeader))]
    public void ConnectionErrorKnownFromTheHeaderIsReportedBeforeThePayloadArrives(string rule, byte[] headerOnly)
    {
        var buffer = new ReadOnlySequence<byte>(headerOnly);
        var reader = new Http2FrameReader(isServer: true);

        Assert.True(reader.Read(ref buffer, out _, out var error) == Http2FrameReadResult.Error, rule);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void StreamErrorWaitsForTheWholeFrameSoThatItCanBeSkipped()
    {
        var bytes = Frame(T.Priority, F.None, 3, new byte[6]);
        var reader = new Http2FrameReader(isServer: true);
        var partial = new ReadOnlySequence<byte>(bytes[..^1]);

        Assert.Equal(Http2FrameReadResult.NeedMoreData, reader.Read(ref partial, out _, out _));

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(Http2FrameReadResult.Error, reader.Read(ref whole, out _, out var error));
        Assert.False(error.IsConnectionError);
        Assert.True(whole.IsEmpty);
    }

    [Fact]
    public void HeadersThatDependOnThemselvesArePassedOnForTheConnectionToResetAfterDecoding()
    {
        var bytes = Frame(T.Headers, F.Priority | F.EndHeaders, 5, Concat(UInt32(5), [0], Ascii("block")));
        var buffer = new ReadOnlySequence<byte>(bytes);
        var reader = new Http2FrameReader(isServer: true);

        Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var frame, out _));

        Assert.True(frame.TryGetPriority(out var priority));
        Assert.Equal(5, priority.StreamDependency);
        Assert.Equal(1, priority.Weight);
    }

    [Fact]
    public void FixedFieldsSplitAcrossSegmentsAreDecoded()
    {
        // Every field of a GOAWAY straddles a boundary somewhere in these cuts.
        var bytes = Frame(T.GoAway, F.None, 0, Concat(UInt32(0x7fff_ffff), UInt32(2), Ascii("debug")));
        for (var cut = 9; cut < bytes.Length; cut++)
        {
            var buffer = Of(bytes[..cut], [], bytes[cut..]);
            var reader = new Http2FrameReader(isServer: true);
            Assert.Equal(Http2FrameReadResult.Frame, reader.Read(ref buffer, out var frame, out _));
            Assert.Equal("GoAway 0 - last 2147483647 InternalError [debug]", FrameDescriber.Describe(frame));
        }
    }
}
