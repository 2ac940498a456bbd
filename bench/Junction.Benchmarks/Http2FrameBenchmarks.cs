using System.Buffers;
using BenchmarkDotNet.Attributes;
using Junction.Http.Http2;

namespace Junction.Benchmarks;

/// <summary>
/// Cost of cutting frames out of a connection's input and decoding their payloads: the start of a
/// connection (SETTINGS, its ACK, a connection WINDOW_UPDATE), then 16 requests each made of HEADERS
/// + CONTINUATION and four DATA frames (768 B, 1 KiB, 1 KiB, then 1 KiB padded with END_STREAM), a
/// PING, a RST_STREAM and a stream WINDOW_UPDATE: 102 frames, 71,292 bytes. Read whole in one segment and cut into 4 KiB segments (fields
/// and headers then straddle boundaries), and written back. Every case must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class Http2FrameBenchmarks
{
    private const int Requests = 16;
    private static readonly byte[] FieldBlock = new byte[300];
    private static readonly byte[] Body = new byte[1024];

    private readonly Http2FrameReader _reader = new(isServer: true);
    private readonly ArrayBufferWriter<byte> _output = new(128 * 1024);
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        WriteConversation(_output);
        var input = _output.WrittenSpan.ToArray();
        _single = new ReadOnlySequence<byte>(input);

        BenchSegment? first = null, last = null;
        for (var offset = 0; offset < input.Length; offset += 4096)
        {
            var memory = input.AsMemory(offset, Math.Min(4096, input.Length - offset));
            if (last is null) first = last = new BenchSegment(memory, 0);
            else last = last.Append(memory);
        }
        _split = new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);

        // A benchmark that stopped at a rejected frame would measure nothing: check that all are read.
        var frames = 0;
        var buffer = _split;
        while (_reader.Read(ref buffer, out _, out _) == Http2FrameReadResult.Frame) frames++;
        if (frames != 102 || !buffer.IsEmpty) throw new InvalidOperationException($"read {frames} frames");
    }

    [Benchmark(Baseline = true)]
    public long ReadSingleSegment() => ReadAll(_single);

    [Benchmark]
    public long ReadFourKiBSegments() => ReadAll(_split);

    [Benchmark]
    public int WriteAll()
    {
        _output.ResetWrittenCount();
        WriteConversation(_output);
        return _output.WrittenCount;
    }

    private long ReadAll(ReadOnlySequence<byte> buffer)
    {
        long checksum = 0;
        while (_reader.Read(ref buffer, out var frame, out var error) == Http2FrameReadResult.Frame)
        {
            checksum += frame.Type switch
            {
                Http2FrameType.Data => frame.GetData().Length,
                Http2FrameType.Headers or Http2FrameType.Continuation => frame.GetFieldBlockFragment().Length,
                Http2FrameType.Settings => SumSettings(frame),
                Http2FrameType.WindowUpdate => frame.GetWindowUpdateIncrement(),
                Http2FrameType.Ping => (long)(frame.GetPingData() & 0xff),
                Http2FrameType.RstStream => (long)frame.GetRstStreamErrorCode(),
                _ => 0,
            };
        }
        return checksum;
    }

    private static long SumSettings(in Http2Frame frame)
    {
        long sum = 0;
        foreach (var entry in frame.GetSettings()) sum += entry.Value;
        return sum;
    }

    private static void WriteConversation(IBufferWriter<byte> output)
    {
        Http2FrameWriter.WriteSettings(output, [
            new(Http2SettingsParameter.MaxConcurrentStreams, 100),
            new(Http2SettingsParameter.InitialWindowSize, 1 << 20),
            new(Http2SettingsParameter.EnablePush, 0)]);
        Http2FrameWriter.WriteSettingsAck(output);
        Http2FrameWriter.WriteWindowUpdate(output, 0, 15 << 20);
        for (var stream = 1; stream < 2 * Requests; stream += 2)
        {
            // A 200-byte frame size limit forces one CONTINUATION per 300-byte block.
            Http2FrameWriter.WriteHeaders(output, stream, FieldBlock, endStream: false, maxFrameSize: 200);
            Http2FrameWriter.WriteData(output, stream, Body.AsSpan(0, 3 * Body.Length / 4), endStream: false, maxFrameSize: 16_384);
            Http2FrameWriter.WriteData(output, stream, Body, endStream: false, maxFrameSize: 16_384);
            Http2FrameWriter.WriteData(output, stream, Body, endStream: false, maxFrameSize: 16_384);
            WritePaddedData(output, stream);
        }
        Http2FrameWriter.WritePing(output, 42, ack: false);
        Http2FrameWriter.WriteRstStream(output, 1, Http2ErrorCode.Cancel);
        Http2FrameWriter.WriteWindowUpdate(output, 3, 4096);
    }

    // The writer never pads; browsers and some servers do, so one DATA frame per request is padded by hand.
    private static void WritePaddedData(IBufferWriter<byte> output, int stream)
    {
        const int padding = 255;
        var length = 1 + Body.Length + padding;
        var span = output.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, Http2FrameType.Data, Http2Flags.Padded | Http2Flags.EndStream, stream).Write(span);
        span[Http2FrameHeader.Size] = padding;
        span.Slice(Http2FrameHeader.Size + 1, Body.Length + padding).Clear();
        output.Advance(Http2FrameHeader.Size + length);
    }

    private sealed class BenchSegment : ReadOnlySequenceSegment<byte>
    {
        public BenchSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public BenchSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new BenchSegment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
