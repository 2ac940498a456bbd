namespace Junction.Http.Http2.Hpack;

/// <summary>
/// The prefixed integer representation of RFC 7541 §5.1: a value below <c>2^N - 1</c> fits in the
/// low N bits of the first byte; a larger one fills those bits and continues in 7-bit groups, least
/// significant first, with the high bit of each byte saying "more follows".
/// </summary>
/// <remarks>
/// <code>
///   0   1   2   3   4   5   6   7
/// +---+---+---+---+---+---+---+---+
/// | ? | ? | ? | 1   1   1   1   1 |
/// +---+---+---+-------------------+
/// | 1 |    Value-(2^N-1) LSB      |
/// +---+---------------------------+
///                ...
/// +---+---------------------------+
/// | 0 |    Value-(2^N-1) MSB      |
/// +---+---------------------------+
/// </code>
/// Every integer HPACK carries (an index, a string length, a table size) is held in an
/// <see cref="int"/>: a value above <see cref="int.MaxValue"/> is an error, and so is a
/// continuation longer than the five bytes such a value can need, which also stops a peer from
/// making the decoder walk an endless run of <c>0x80</c> bytes.
/// </remarks>
internal static class HpackInteger
{
    /// <summary>Continuation bytes after the prefix: 5 × 7 bits cover any int above the largest prefix.</summary>
    public const int MaxContinuationBytes = 5;

    /// <summary>The most bytes <see cref="Encode"/> writes (a full prefix byte and five continuations).</summary>
    public const int MaxEncodedLength = 1 + MaxContinuationBytes;

    /// <summary>
    /// Decodes the integer whose first byte is at <paramref name="position"/>, keeping only the low
    /// <paramref name="prefixBits"/> bits of that byte.
    /// </summary>
    /// <returns>
    /// True with <paramref name="position"/> moved past the integer; false when the input ends first
    /// (<paramref name="position"/> is then unchanged).
    /// </returns>
    /// <exception cref="HpackDecodingException">The value does not fit in an int (<see cref="HpackDecodingError.IntegerOverflow"/>).</exception>
    public static bool TryDecode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        var p = position;
        value = 0;
        if ((uint)p >= (uint)source.Length) return false;

        var mask = (1 << prefixBits) - 1;
        var result = source[p++] & mask;
        if (result < mask)
        {
            position = p;
            value = result;
            return true;
        }

        // A long holds prefix + 5 × 7 bits without overflowing, so the range check can wait until the end.
        long total = result;
        for (var shift = 0; ; shift += 7)
        {
            if (shift == MaxContinuationBytes * 7) HpackDecodingException.Throw(HpackDecodingError.IntegerOverflow);
            if ((uint)p >= (uint)source.Length) return false;
            var b = source[p++];
            total += (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        if (total > int.MaxValue) HpackDecodingException.Throw(HpackDecodingError.IntegerOverflow);

        position = p;
        value = (int)total;
        return true;
    }

    /// <summary>
    /// Writes <paramref name="value"/> with an N-bit prefix; the bits of <paramref name="firstByteFlags"/>
    /// above the prefix (the representation's type) go into the first byte.
    /// </summary>
    /// <returns>The number of bytes written (at most <see cref="MaxEncodedLength"/>).</returns>
    public static int Encode(int value, int prefixBits, byte firstByteFlags, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(firstByteFlags | value);
            return 1;
        }

        destination[0] = (byte)(firstByteFlags | mask);
        var rest = (uint)(value - mask);
        var written = 1;
        while (rest >= 0x80)
        {
            destination[written++] = (byte)(rest | 0x80);
            rest >>= 7;
        }
        destination[written++] = (byte)rest;
        return written;
    }
}
