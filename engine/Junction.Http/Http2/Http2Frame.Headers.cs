using System.Buffers;

namespace Junction.Http.Http2;

internal readonly partial struct Http2Frame
{
    // HEADERS Frame {
    //   Length (24),
    //   Type (8) = 0x01,
    //   Unused Flags (2),
    //   PRIORITY Flag (1),
    //   Unused Flag (1),
    //   PADDED Flag (1),
    //   END_HEADERS Flag (1),
    //   Unused Flag (1),
    //   END_STREAM Flag (1),
    //   Reserved (1),
    //   Stream Identifier (31),
    //   [Pad Length (8)],
    //   [Exclusive (1)],
    //   [Stream Dependency (31)],
    //   [Weight (8)],
    //   Field Block Fragment (..),
    //   Padding (..2040),
    // }
    //
    // PUSH_PROMISE Frame {
    //   ... Type (8) = 0x05, PADDED and END_HEADERS flags, stream of the associated request,
    //   [Pad Length (8)],
    //   Reserved (1),
    //   Promised Stream ID (31),
    //   Field Block Fragment (..),
    //   Padding (..2040),
    // }
    //
    // CONTINUATION Frame {
    //   ... Type (8) = 0x09, END_HEADERS flag only,
    //   Field Block Fragment (..),
    // }
    //
    // PRIORITY Frame {
    //   ... Type (8) = 0x02, no flags, Length = 5,
    //   Exclusive (1),
    //   Stream Dependency (31),
    //   Weight (8),
    // }

    private const int PriorityFieldsLength = 5;
    private const int PromisedStreamIdLength = 4;

    /// <summary>
    /// The field block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION frame: the payload without
    /// padding, priority fields or promised stream id. It goes to the HPACK decoder as is, joined to
    /// the fragments of the CONTINUATION frames that follow until END_HEADERS.
    /// </summary>
    public ReadOnlySequence<byte> GetFieldBlockFragment() => Type switch
    {
        Http2FrameType.Headers => Unpadded(HasFlag(Http2Flags.Priority) ? PriorityFieldsLength : 0),
        Http2FrameType.PushPromise => Unpadded(PromisedStreamIdLength),
        // CONTINUATION defines no PADDED flag: a set bit means nothing and the payload is all fragment.
        _ => Payload,
    };

    /// <summary>The stream a PUSH_PROMISE frame reserves.</summary>
    public int GetPromisedStreamId() => (int)(ReadUInt32(HasFlag(Http2Flags.Padded) ? 1 : 0) & 0x7FFF_FFFF);

    /// <summary>
    /// The RFC 7540 priority of a PRIORITY frame, or of a HEADERS frame with the PRIORITY flag.
    /// RFC 9113 deprecates the scheme; Junction parses it only to follow its rules.
    /// </summary>
    /// <returns>False for a HEADERS frame without the PRIORITY flag and for every other type.</returns>
    /// <remarks>
    /// A stream that depends on itself is a stream error (RFC 9113 §5.3.1). The reader reports it for
    /// PRIORITY frames but not for HEADERS: a HEADERS frame's field block must still go through the
    /// HPACK decoder to keep its dynamic table in step with the peer's, so the connection checks
    /// <see cref="Http2Priority.StreamDependency"/> itself after decoding the block.
    /// </remarks>
    public bool TryGetPriority(out Http2Priority priority)
    {
        int offset;
        if (Type == Http2FrameType.Priority) offset = 0;
        else if (Type == Http2FrameType.Headers && HasFlag(Http2Flags.Priority)) offset = HasFlag(Http2Flags.Padded) ? 1 : 0;
        else
        {
            priority = default;
            return false;
        }
        var dependency = ReadUInt32(offset);
        priority = new Http2Priority((int)(dependency & 0x7FFF_FFFF), (dependency & 0x8000_0000) != 0, ReadByte(offset + 4) + 1);
        return true;
    }
}
