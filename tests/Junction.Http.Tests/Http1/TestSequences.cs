using System.Buffers;
using System.Text;

namespace Junction.Http.Tests.Http1;

/// <summary>Builds multi-segment sequences the way a pipe hands them out, in every shape worth trying.</summary>
internal static class TestSequences
{
    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public static ReadOnlySequence<byte> Sequence(string latin1) => new(Bytes(latin1));

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static ReadOnlySequence<byte> Of(params byte[][] segments)
    {
        if (segments.Length == 1) return new ReadOnlySequence<byte>(segments[0]);
        var first = new Segment(segments[0], 0);
        var last = first;
        foreach (var bytes in segments.Skip(1)) last = last.Append(bytes);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>
    /// The input as one segment, split in two at every offset (both ends included, so empty first and
    /// last segments occur), one byte per segment, and one byte per segment with empty segments between.
    /// </summary>
    public static IEnumerable<(string Shape, ReadOnlySequence<byte> Sequence)> AllShapes(byte[] data)
    {
        yield return ("single segment", new ReadOnlySequence<byte>(data));
        for (var cut = 0; cut <= data.Length; cut++)
        {
            yield return ($"split at {cut}", Of(data[..cut], data[cut..]));
        }
        yield return ("one byte per segment", Of(data.Select(b => new[] { b }).ToArray()));
        yield return ("one byte per segment with empty segments", Of(data.SelectMany(b => new[] { new[] { b }, Array.Empty<byte>() }).ToArray()));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
