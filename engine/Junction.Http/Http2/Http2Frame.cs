using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Junction.Http.Http2;

/// <summary>
/// One received frame: its header and its payload as a slice of the connection's input (nothing is
/// copied). The accessors in the partial files decode the payload of each frame type.
/// </summary>
/// <remarks>
/// The accessors assume a frame returned by <see cref="Http2FrameReader.Read"/> as
/// <see cref="Http2FrameReadResult.Frame"/>: its type, lengths, padding and field values have been
/// checked, so they cannot fail and do not check again. The payload is valid until the caller
/// advances the pipe past it.
/// </remarks>
internal readonly partial struct Http2Frame
{
    public Http2Frame(Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public Http2FrameHeader Header { get; }

    /// <summary>The whole payload, padding and fixed fields included (<see cref="Http2FrameHeader.Length"/> bytes).</summary>
    public ReadOnlySequence<byte> Payload { get; }

    public Http2FrameType Type => Header.Type;

    public int StreamId => Header.StreamId;

    public bool HasFlag(Http2Flags flag) => Header.HasFlag(flag);

    public override string ToString() => Header.ToString();

    // Fixed fields are a few bytes at known offsets. A pipe's payload is almost always one segment,
    // so read from the first span and copy only when the field straddles a segment boundary (or the
    // sequence starts with an empty segment, which slicing at a boundary can produce).

    private byte ReadByte(int offset)
    {
        var first = Payload.FirstSpan;
        return offset < first.Length ? first[offset] : ReadSplitByte(offset);
    }

    private uint ReadUInt32(int offset)
    {
        var first = Payload.FirstSpan;
        return offset + 4 <= first.Length ? BinaryPrimitives.ReadUInt32BigEndian(first[offset..]) : ReadSplitUInt32(offset);
    }

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private byte ReadSplitByte(int offset)
    {
        Span<byte> bytes = stackalloc byte[1];
        Payload.Slice(offset, 1).CopyTo(bytes);
        return bytes[0];
    }

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private uint ReadSplitUInt32(int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        Payload.Slice(offset, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
