using System.Buffers.Binary;

namespace Junction.Http.Http2;

/// <summary>The nine bytes that start every frame (RFC 9113 §4.1), decoded.</summary>
/// <remarks>
/// <code>
/// HTTP Frame {
///   Length (24),
///   Type (8),
///   Flags (8),
///   Reserved (1),
///   Stream Identifier (31),
///   Frame Payload (..),
/// }
/// </code>
/// </remarks>
internal readonly struct Http2FrameHeader
{
    /// <summary>The size of a frame header on the wire.</summary>
    public const int Size = 9;

    /// <summary>The largest payload the 24-bit length field can express (and the largest SETTINGS_MAX_FRAME_SIZE).</summary>
    public const int MaxLength = (1 << 24) - 1;

    public Http2FrameHeader(int length, Http2FrameType type, Http2Flags flags, int streamId)
    {
        Length = length;
        Type = type;
        Flags = flags;
        StreamId = streamId;
    }

    /// <summary>The payload length in bytes, 0..2^24-1 (the frame is <see cref="Size"/> bytes longer).</summary>
    public int Length { get; }

    /// <summary>The frame type; may be a value the enum does not name (an extension frame to ignore).</summary>
    public Http2FrameType Type { get; }

    /// <summary>The flags as received, including bits the type does not define (which must be ignored).</summary>
    public Http2Flags Flags { get; }

    /// <summary>The stream identifier, 0..2^31-1: the reserved high bit is dropped, as RFC 9113 §4.1 requires.</summary>
    public int StreamId { get; }

    public bool HasFlag(Http2Flags flag) => (Flags & flag) == flag;

    /// <summary>Decodes a header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> source)
    {
        var length = (source[0] << 16) | (source[1] << 8) | source[2];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF);
        return new Http2FrameHeader(length, (Http2FrameType)source[3], (Http2Flags)source[4], streamId);
    }

    /// <summary>Encodes this header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[8] = 0; // bounds check once for all nine bytes
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        // The reserved bit is sent as zero.
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId & 0x7FFF_FFFF);
    }

    public override string ToString() => $"{Type} stream={StreamId} flags={Flags} length={Length}";
}
