using System.Buffers;

namespace Junction.Http.Http2;

internal readonly partial struct Http2Frame
{
    // RST_STREAM Frame { ... Type (8) = 0x03, Length = 4, Error Code (32) }
    // PING Frame { ... Type (8) = 0x06, ACK flag, stream 0, Length = 8, Opaque Data (64) }
    // GOAWAY Frame {
    //   ... Type (8) = 0x07, stream 0,
    //   Reserved (1),
    //   Last-Stream-ID (31),
    //   Error Code (32),
    //   Additional Debug Data (..),
    // }
    // WINDOW_UPDATE Frame { ... Type (8) = 0x08, Length = 4, Reserved (1), Window Size Increment (31) }

    /// <summary>The error code of a RST_STREAM frame (possibly a value <see cref="Http2ErrorCode"/> does not name).</summary>
    public Http2ErrorCode GetRstStreamErrorCode() => (Http2ErrorCode)ReadUInt32(0);

    /// <summary>
    /// The eight opaque bytes of a PING frame as one big-endian number: the value to hand back to
    /// <see cref="Http2FrameWriter.WritePing"/> for the acknowledgement, which then carries the same bytes.
    /// </summary>
    public ulong GetPingData() => ((ulong)ReadUInt32(0) << 32) | ReadUInt32(4);

    /// <summary>The highest stream the sender of a GOAWAY frame may have processed (reserved bit dropped).</summary>
    public int GetGoAwayLastStreamId() => (int)(ReadUInt32(0) & 0x7FFF_FFFF);

    public Http2ErrorCode GetGoAwayErrorCode() => (Http2ErrorCode)ReadUInt32(4);

    /// <summary>The additional debug data of a GOAWAY frame: opaque, possibly empty, for diagnostics only.</summary>
    public ReadOnlySequence<byte> GetGoAwayDebugData() => Payload.Slice(8);

    /// <summary>The increment of a WINDOW_UPDATE frame, 1..2^31-1 (reserved bit dropped; the reader rejected 0).</summary>
    public int GetWindowUpdateIncrement() => (int)(ReadUInt32(0) & 0x7FFF_FFFF);
}
