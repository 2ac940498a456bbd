using System.Runtime.CompilerServices;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// The static Huffman code of RFC 7541 Appendix B: 256 byte symbols plus EOS (symbol 256), codes of
/// 5 to 30 bits. Encodes into and decodes from spans; decoding rejects EOS inside a string and
/// padding that is longer than 7 bits or not made of ones (RFC 7541 §5.2).
/// </summary>
/// <remarks>
/// <para>The code is canonical: within one length, codes are consecutive in symbol order, and each
/// length starts where the previous one ended, shifted left. So the table below only needs the bit
/// length of each symbol; the codes are rebuilt from it at start-up, and a test checks them against
/// values printed in the RFC.</para>
/// <para>Decoding walks the code tree four bits at a time through a precomputed transition table:
/// a state is an internal node of the tree (a full binary tree with 257 leaves has exactly 256 of
/// them, so a state fits in a byte), and a transition says which node four more bits lead to and
/// which symbol, if any, they completed. No code is shorter than 5 bits, so four bits complete at
/// most one symbol. That is two table reads per input byte and no bit-level loop.</para>
/// </remarks>
internal static class HpackHuffman
{
    private const int EndOfString = 256;

    // Bit length of each symbol's code, symbols 0..256 (RFC 7541 Appendix B), 16 per row.
    private static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         // 0x20 ' ' .. '/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              // 0x30 '0' .. '?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                // 0x40 '@' .. 'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             // 0x50 'P' .. '_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                // 0x60 '`' .. 'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 0x70 'p' .. DEL
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xA0
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xB0
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xC0
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xD0
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xE0
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xF0
        30,                                                             // EOS
    ];

    // Right-aligned code of each symbol, built from CodeLengths.
    private static readonly uint[] Codes = BuildCodes();

    // Transitions: index (state << 4 | nibble). Bits 0-7 next state, bits 8-15 the symbol
    // completed, plus the flags below.
    private const uint Emits = 1u << 16;
    private const uint HitsEndOfString = 1u << 17;
    private static readonly uint[] Transitions;

    // What it means for a string to end in each state (see PaddingCheck).
    private static readonly PaddingCheck[] EndStates;

    private enum PaddingCheck : byte
    {
        Valid,
        NotAllOnes,
        TooLong,
    }

    static HpackHuffman() => (Transitions, EndStates) = BuildDecoder();

    /// <summary>The code of <paramref name="symbol"/> (0..256), right-aligned, and its bit length.</summary>
    public static (uint Code, int Length) GetCode(int symbol) => (Codes[symbol], CodeLengths[symbol]);

    /// <summary>The number of bytes <see cref="Encode"/> writes for <paramref name="source"/>.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        var lengths = CodeLengths;
        long bits = 0;
        foreach (var b in source) bits += lengths[b];
        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Writes the Huffman code of <paramref name="source"/>, padded with ones to a whole byte.
    /// <paramref name="destination"/> must hold <see cref="GetEncodedLength"/> bytes.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var codes = Codes;
        var lengths = CodeLengths;
        // Fewer than 8 bits are pending before a code is added and codes have at most 30, so the
        // live bits always fit in 64; older bits shifted out of the top were already written.
        ulong pending = 0;
        var pendingBits = 0;
        var written = 0;
        foreach (var b in source)
        {
            pending = (pending << lengths[b]) | codes[b];
            pendingBits += lengths[b];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                destination[written++] = (byte)(pending >> pendingBits);
            }
        }
        if (pendingBits > 0)
        {
            // Padding is the most significant bits of EOS, which are all ones.
            destination[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        }
        return written;
    }

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>. When the decoded
    /// string is longer than <paramref name="destination"/>, decoding still runs to the end
    /// (validating everything) but writes only what fits.
    /// </summary>
    /// <returns>The decoded length, which may exceed <paramref name="destination"/>'s length.</returns>
    /// <exception cref="HpackDecodingException">EOS inside the string, or bad padding.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var transitions = Transitions;
        var state = 0u;
        var written = 0;
        foreach (var b in source)
        {
            var high = transitions[(state << 4) | (uint)(b >> 4)];
            if ((high & (Emits | HitsEndOfString)) != 0) Emit(high, destination, ref written);
            var low = transitions[((high & 0xFF) << 4) | (uint)(b & 0xF)];
            if ((low & (Emits | HitsEndOfString)) != 0) Emit(low, destination, ref written);
            state = low & 0xFF;
        }

        var end = EndStates[state];
        if (end != PaddingCheck.Valid)
        {
            HpackDecodingException.Throw(end == PaddingCheck.TooLong
                ? HpackDecodingError.HuffmanPaddingTooLong
                : HpackDecodingError.HuffmanInvalidPadding);
        }
        return written;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(uint transition, Span<byte> destination, ref int written)
    {
        if ((transition & HitsEndOfString) != 0) HpackDecodingException.Throw(HpackDecodingError.HuffmanEndOfString);
        if ((uint)written < (uint)destination.Length) destination[written] = (byte)(transition >> 8);
        written++;
    }

    private static uint[] BuildCodes()
    {
        var lengths = CodeLengths.ToArray();
        var symbols = Enumerable.Range(0, lengths.Length).ToArray();
        // Canonical order: by length, then by symbol (Array.Sort is not stable, hence the tie-break).
        var keys = symbols.Select(s => (lengths[s] << 9) | s).ToArray();
        Array.Sort(keys, symbols);

        var codes = new uint[lengths.Length];
        var code = 0u;
        var previousLength = lengths[symbols[0]];
        for (var i = 0; i < symbols.Length; i++)
        {
            var length = lengths[symbols[i]];
            if (i > 0) code = (code + 1) << (length - previousLength);
            codes[symbols[i]] = code;
            previousLength = length;
        }
        return codes;
    }

    private static (uint[] Transitions, PaddingCheck[] EndStates) BuildDecoder()
    {
        // The code tree: internal nodes 0..255 (0 is the root); a child below 0 is the leaf of
        // symbol ~child.
        var children = new int[256, 2];
        var depth = new int[256];
        var allOnes = new bool[256];
        allOnes[0] = true;
        var nodes = 1;
        var lengths = CodeLengths;
        for (var symbol = 0; symbol < lengths.Length; symbol++)
        {
            var node = 0;
            for (var bit = lengths[symbol] - 1; bit >= 0; bit--)
            {
                var direction = (int)(Codes[symbol] >> bit) & 1;
                if (bit == 0)
                {
                    children[node, direction] = ~symbol;
                    break;
                }
                if (children[node, direction] == 0)
                {
                    var child = nodes++;
                    children[node, direction] = child;
                    depth[child] = depth[node] + 1;
                    allOnes[child] = allOnes[node] && direction == 1;
                }
                node = children[node, direction];
            }
        }

        var transitions = new uint[256 * 16];
        for (var state = 0; state < 256; state++)
        {
            for (var nibble = 0; nibble < 16; nibble++)
            {
                var node = state;
                var transition = 0u;
                for (var bit = 3; bit >= 0; bit--)
                {
                    var child = children[node, (nibble >> bit) & 1];
                    if (child >= 0)
                    {
                        node = child;
                        continue;
                    }
                    var symbol = ~child;
                    transition |= symbol == EndOfString ? HitsEndOfString : Emits | ((uint)symbol << 8);
                    node = 0;
                }
                transitions[(state << 4) | nibble] = transition | (uint)node;
            }
        }

        // A string may end at the root (after a whole symbol) or inside the all-ones path that
        // leads to EOS, at most 7 bits deep; anywhere else it ends inside a real code.
        var endStates = new PaddingCheck[256];
        for (var node = 1; node < 256; node++)
        {
            endStates[node] = !allOnes[node] ? PaddingCheck.NotAllOnes : depth[node] > 7 ? PaddingCheck.TooLong : PaddingCheck.Valid;
        }
        return (transitions, endStates);
    }
}
