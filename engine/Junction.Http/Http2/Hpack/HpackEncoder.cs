using System.Buffers;
using System.Text;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// Encodes header blocks (RFC 7541) for one direction of one HTTP/2 connection, keeping the dynamic
/// table the peer's decoder mirrors. Blocks must be sent in the order they are encoded.
/// </summary>
/// <remarks>
/// <para>Per field, the shortest representation the policy allows: an index when the static or
/// dynamic table holds the whole field; otherwise a literal that names a table entry when one has
/// the name, Huffman-coded when that is not longer. Literals are added to the dynamic table unless
/// the field is sensitive, its value changes with nearly every message, or it would take more
/// than half the table (flushing what the next messages would reuse).</para>
/// <para>Sensitive fields (credentials and cookies, or fields the caller marks) are never-indexed
/// literals (RFC 7541 §7.1.3): they never enter the table, where a peer sharing the connection
/// could probe for them by the size of its own headers, and proxies that forward them must keep
/// them out of their tables too.</para>
/// </remarks>
internal sealed class HpackEncoder
{
    private readonly HpackEncoderTable _table;
    private readonly int _maxTableSizeCap;
    private readonly bool _huffman;

    // Dynamic table size updates to send at the start of the next block (RFC 7541 §4.2): the
    // smallest size since the last block, then the final one.
    private bool _sizeUpdatePending;
    private int _smallestPendingSize;

    /// <param name="maxTableSizeCap">
    /// The most this encoder uses for its dynamic table, whatever the peer allows: the table's memory
    /// is this connection's. The table starts at the smaller of this and the protocol's initial 4096.
    /// </param>
    /// <param name="huffman">False writes every string as is (for tests and debugging).</param>
    public HpackEncoder(int maxTableSizeCap = HpackDynamicTable.DefaultMaxSize, bool huffman = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSizeCap);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTableSizeCap, HpackDynamicTable.MaxSupportedSize);
        _maxTableSizeCap = maxTableSizeCap;
        _huffman = huffman;
        var initial = Math.Min(HpackDynamicTable.DefaultMaxSize, maxTableSizeCap);
        _table = new HpackEncoderTable(initial);
        // The peer's decoder starts at 4096; a smaller table must be announced before first use.
        if (initial != HpackDynamicTable.DefaultMaxSize)
        {
            _sizeUpdatePending = true;
            _smallestPendingSize = initial;
        }
    }

    /// <summary>The dynamic table's maximum size in use.</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    /// <summary>The dynamic table's current size (name + value + 32 per entry).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The number of entries in the dynamic table.</summary>
    public int DynamicTableCount => _table.Count;

    /// <summary>
    /// Applies the peer's SETTINGS_HEADER_TABLE_SIZE: the table is resized at once (to at most the
    /// cap), and the next block starts with the size update(s) that tell the peer.
    /// </summary>
    /// <remarks>Call between blocks, when the SETTINGS frame is processed (before acknowledging it).</remarks>
    public void SetPeerMaxTableSize(uint peerSetting)
    {
        var size = (int)Math.Min(peerSetting, (uint)_maxTableSizeCap);
        _smallestPendingSize = _sizeUpdatePending ? Math.Min(_smallestPendingSize, size) : size;
        _sizeUpdatePending = true;
        _table.SetMaxSize(size);
    }

    /// <summary>Encodes a whole block: <see cref="BeginHeaderBlock"/>, then each field in order.</summary>
    public void EncodeBlock(IBufferWriter<byte> output, ReadOnlySpan<HpackField> fields)
    {
        BeginHeaderBlock(output);
        foreach (var field in fields) EncodeField(output, field.Name.Span, field.Value.Span, field.Sensitive);
    }

    /// <summary>
    /// Starts a header block: writes the pending dynamic table size updates, if any. Call it before
    /// the first <see cref="EncodeField"/> of every block.
    /// </summary>
    public void BeginHeaderBlock(IBufferWriter<byte> output)
    {
        if (!_sizeUpdatePending) return;
        var span = output.GetSpan(2 * HpackInteger.MaxEncodedLength);
        var written = 0;
        // A reduction followed by an increase is sent as both, so the peer evicts what this table evicted.
        if (_smallestPendingSize < _table.MaxSize) written += HpackInteger.Encode(_smallestPendingSize, 5, 0x20, span);
        written += HpackInteger.Encode(_table.MaxSize, 5, 0x20, span[written..]);
        output.Advance(written);
        _sizeUpdatePending = false;
    }

    /// <summary>Encodes one field of the current block.</summary>
    /// <param name="name">The field name, lowercase as HTTP/2 requires (RFC 9113 §8.2.1).</param>
    /// <param name="value">The field value.</param>
    /// <param name="sensitive">
    /// Encode as a never-indexed literal. Implied for authorization, proxy-authorization, cookie and
    /// set-cookie; pass true for fields that arrived never-indexed
    /// (<see cref="IHpackHeaderHandler.OnHeader"/>'s <c>neverIndex</c>).
    /// </param>
    public void EncodeField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool sensitive = false)
    {
        sensitive |= IsSensitive(name);
        var index = HpackStaticTable.Find(name, value, out var nameIndex);
        if (index == 0 || sensitive)
        {
            var dynamicIndex = _table.Find(name, value, out var dynamicNameIndex);
            if (index == 0) index = dynamicIndex;
            // A static name index is never longer to write than a dynamic one.
            if (nameIndex == 0) nameIndex = dynamicNameIndex;
        }

        if (index != 0 && !sensitive)
        {
            var span = output.GetSpan(HpackInteger.MaxEncodedLength);
            output.Advance(HpackInteger.Encode(index, 7, 0x80, span));
            return;
        }

        if (sensitive)
        {
            WriteLiteral(output, 0x10, 4, nameIndex, name, value);
        }
        else if (ShouldIndex(name, value))
        {
            WriteLiteral(output, 0x40, 6, nameIndex, name, value);
            _table.Add(name, value);
        }
        else
        {
            WriteLiteral(output, 0x00, 4, nameIndex, name, value);
        }
    }

    private void WriteLiteral(IBufferWriter<byte> output, byte type, int prefixBits, int nameIndex, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // Strings are never longer than as is, and each has at most one integer in front.
        var bound = (3 * HpackInteger.MaxEncodedLength) + value.Length + (nameIndex == 0 ? name.Length : 0);
        var span = output.GetSpan(bound);
        var written = HpackInteger.Encode(nameIndex, prefixBits, type, span);
        if (nameIndex == 0) written += WriteString(name, span[written..]);
        written += WriteString(value, span[written..]);
        output.Advance(written);
    }

    private int WriteString(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        // Ties go to Huffman: the same bytes on the wire, and RFC 7541's examples (C.4, C.6) do so.
        var huffmanLength = _huffman ? HpackHuffman.GetEncodedLength(text) : int.MaxValue;
        if (huffmanLength <= text.Length)
        {
            var prefix = HpackInteger.Encode(huffmanLength, 7, 0x80, destination);
            return prefix + HpackHuffman.Encode(text, destination[prefix..]);
        }
        var length = HpackInteger.Encode(text.Length, 7, 0x00, destination);
        text.CopyTo(destination[length..]);
        return length + text.Length;
    }

    private bool ShouldIndex(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var entrySize = (long)name.Length + value.Length + HpackDynamicTable.EntryOverhead;
        return entrySize <= _table.MaxSize / 2 && !IsUsuallyUnique(name);
    }

    /// <summary>Credentials and cookies: never indexed (RFC 7541 §7.1.3 names these as the usual cases).</summary>
    internal static bool IsSensitive(ReadOnlySpan<byte> name) => name.Length switch
    {
        // Case-insensitive so that a caller that forgot to lowercase still does not leak them.
        6 => Ascii.EqualsIgnoreCase(name, "cookie"u8),
        10 => Ascii.EqualsIgnoreCase(name, "set-cookie"u8),
        13 => Ascii.EqualsIgnoreCase(name, "authorization"u8),
        19 => Ascii.EqualsIgnoreCase(name, "proxy-authorization"u8),
        _ => false,
    };

    // Fields whose value changes with nearly every message: an entry for one would be evicted
    // before it is used again, pushing out entries that would have been.
    private static bool IsUsuallyUnique(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 => name.SequenceEqual("etag"u8),
        5 => name.SequenceEqual(":path"u8),
        11 => name.SequenceEqual("traceparent"u8),
        12 => name.SequenceEqual("x-request-id"u8),
        13 => name.SequenceEqual("last-modified"u8) || name.SequenceEqual("if-none-match"u8) || name.SequenceEqual("content-range"u8),
        14 => name.SequenceEqual("content-length"u8),
        17 => name.SequenceEqual("if-modified-since"u8),
        _ => false,
    };
}
