using System.Buffers;

namespace Junction.Http.Http2;

internal readonly partial struct Http2Frame
{
    // DATA Frame {
    //   Length (24),
    //   Type (8) = 0x00,
    //   Unused Flags (4),
    //   PADDED Flag (1),
    //   Unused Flags (2),
    //   END_STREAM Flag (1),
    //   Reserved (1),
    //   Stream Identifier (31),
    //   [Pad Length (8)],
    //   Data (..),
    //   Padding (..2040),
    // }

    /// <summary>The content of a DATA frame: the payload without the pad length byte and the padding.</summary>
    /// <remarks>
    /// Flow control counts the whole payload, padding included (RFC 9113 §6.1): charge the windows
    /// with <see cref="Http2FrameHeader.Length"/>, not with the length of this slice.
    /// </remarks>
    public ReadOnlySequence<byte> GetData() => Unpadded(0);

    /// <summary>
    /// The number of padding bytes at the end of a DATA, HEADERS or PUSH_PROMISE payload with the
    /// PADDED flag; 0 without it.
    /// </summary>
    public int GetPadLength() => HasFlag(Http2Flags.Padded) ? ReadByte(0) : 0;

    // The part of a padded frame (DATA, HEADERS, PUSH_PROMISE) after the fixed fields that follow the
    // pad length byte and before the padding. The reader has checked that the padding fits.
    private ReadOnlySequence<byte> Unpadded(int fixedFields)
    {
        var padding = GetPadLength();
        var start = fixedFields + (HasFlag(Http2Flags.Padded) ? 1 : 0);
        return Payload.Slice(start, Header.Length - start - padding);
    }
}
