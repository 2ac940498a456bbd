using System.Buffers;
using System.Runtime.CompilerServices;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) for one direction of one HTTP/2 connection: it holds the
/// dynamic table that the peer's encoder fills, so every block of the connection goes through the
/// same instance, in order.
/// </summary>
/// <remarks>
/// <para>A block is decoded whole: the caller joins a HEADERS frame and its CONTINUATION frames
/// first (the dynamic table changes as the block is read, so a block cannot be retried from the
/// middle). Fields go to a handler that is a generic struct parameter, as in the HTTP/1 parser, so
/// the calls are direct and nothing is boxed. Indexed fields and plain literals are handed out as
/// spans of the table or the block; Huffman-coded strings are decoded into a scratch buffer the
/// decoder keeps, so a block allocates nothing once the buffer has grown to the connection's
/// strings.</para>
/// <para>Errors throw <see cref="HpackDecodingException"/>. The header list limit is applied to the
/// decoded fields, name + value + 32 each (RFC 9113 §6.5.2), because the encoded size says nothing:
/// a block of one-byte indexed representations can name a 4 KiB table entry a thousand times. Once
/// the limit is passed the handler hears nothing more, but the rest of the block is still decoded
/// (without copying the fields anywhere) so that the dynamic table stays in step with the peer;
/// then <see cref="HpackDecodingError.HeaderListTooLarge"/> is thrown and the connection may go on.</para>
/// </remarks>
internal sealed class HpackDecoder
{
    /// <summary>
    /// Default header list limit: 60 KiB, the default of Envoy's <c>max_request_headers_kb</c>,
    /// which bounds the same thing for HTTP/1.
    /// </summary>
    public const int DefaultMaxHeaderListSize = 60 * 1024;

    // Representation types (RFC 7541 §6), by their first bits.
    private const byte IndexedMask = 0x80;
    private const byte IncrementalMask = 0xC0;
    private const byte Incremental = 0x40;
    private const byte SizeUpdateMask = 0xE0;
    private const byte SizeUpdate = 0x20;
    private const byte NeverIndexedBit = 0x10;

    private readonly HpackDynamicTable _table;
    private int _maxTableSizeSetting;
    private bool _sizeUpdateRequired;
    private int _maxHeaderListSize;
    private byte[] _scratch = [];

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this endpoint advertises (4096 unless it sends another).</param>
    /// <param name="maxHeaderListSize">The decoded size above which a block is refused; see <see cref="MaxHeaderListSize"/>.</param>
    public HpackDecoder(int maxTableSize = HpackDynamicTable.DefaultMaxSize, int maxHeaderListSize = DefaultMaxHeaderListSize)
    {
        _table = new HpackDynamicTable(maxTableSize);
        _maxTableSizeSetting = maxTableSize;
        MaxHeaderListSize = maxHeaderListSize;
    }

    /// <summary>
    /// The largest sum of <c>name + value + 32</c> over a block's fields that is delivered (the
    /// SETTINGS_MAX_HEADER_LIST_SIZE semantics of RFC 9113). May be changed between blocks.
    /// </summary>
    public int MaxHeaderListSize
    {
        get => _maxHeaderListSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxHeaderListSize = value;
        }
    }

    /// <summary>The size limit the peer may set the dynamic table to (this endpoint's SETTINGS_HEADER_TABLE_SIZE).</summary>
    public int MaxTableSizeSetting => _maxTableSizeSetting;

    /// <summary>The dynamic table's current maximum size, as last set by the peer (initially <see cref="MaxTableSizeSetting"/>).</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    /// <summary>The dynamic table's current size (name + value + 32 per entry).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The number of entries in the dynamic table.</summary>
    public int DynamicTableCount => _table.Count;

    /// <summary>
    /// Applies a new SETTINGS_HEADER_TABLE_SIZE of this endpoint. Call it when sending a larger
    /// value (the peer may use it as soon as it reads the frame) and when the peer acknowledges a
    /// smaller one (until then it may still use the old one).
    /// </summary>
    /// <remarks>
    /// When the new limit is below the table's current maximum, the next block must start with a
    /// dynamic table size update that brings it down (RFC 7541 §4.2); a block without one is
    /// rejected with <see cref="HpackDecodingError.TableSizeUpdateMissing"/>.
    /// </remarks>
    public void SetMaxTableSizeSetting(int maxTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTableSize, HpackDynamicTable.MaxSupportedSize);
        _maxTableSizeSetting = maxTableSize;
        if (maxTableSize < _table.MaxSize) _sizeUpdateRequired = true;
    }

    /// <summary>Decodes one complete header block that may span several segments.</summary>
    /// <remarks>A block in more than one segment is first copied into a pooled array.</remarks>
    public void Decode<TH>(in ReadOnlySequence<byte> block, ref TH handler)
        where TH : struct, IHpackHeaderHandler
    {
        if (block.IsSingleSegment)
        {
            Decode(block.FirstSpan, ref handler);
            return;
        }
        var length = checked((int)block.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            block.CopyTo(rented);
            Decode(rented.AsSpan(0, length), ref handler);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes one complete header block (the fragments of a HEADERS or PUSH_PROMISE frame and its
    /// CONTINUATION frames, joined), calling <paramref name="handler"/> for each field in order.
    /// </summary>
    /// <exception cref="HpackDecodingException">
    /// The block is malformed (a connection error), or its fields exceed
    /// <see cref="MaxHeaderListSize"/> (<see cref="HpackDecodingError.HeaderListTooLarge"/>, thrown
    /// after the whole block was decoded).
    /// </exception>
    public void Decode<TH>(ReadOnlySpan<byte> block, ref TH handler)
        where TH : struct, IHpackHeaderHandler
    {
        var position = 0;
        var fieldsStarted = false;
        // Counted in a long: a block can name the same large entry more often than an int can add up.
        var listSize = 0L;
        var limit = (long)_maxHeaderListSize;

        while (position < block.Length)
        {
            var first = block[position];
            if ((first & SizeUpdateMask) == SizeUpdate)
            {
                if (fieldsStarted) HpackDecodingException.Throw(HpackDecodingError.TableSizeUpdateNotAtStart);
                ApplySizeUpdate(ReadInteger(block, ref position, 5));
                continue;
            }

            if (!fieldsStarted)
            {
                if (_sizeUpdateRequired) HpackDecodingException.Throw(HpackDecodingError.TableSizeUpdateMissing);
                fieldsStarted = true;
            }

            ReadOnlySpan<byte> name;
            ReadOnlySpan<byte> value;
            var neverIndex = false;
            if ((first & IndexedMask) != 0)
            {
                GetEntry(ReadInteger(block, ref position, 7), out name, out value);
            }
            else
            {
                var incremental = (first & IncrementalMask) == Incremental;
                neverIndex = !incremental && (first & NeverIndexedBit) != 0;
                var nameIndex = ReadInteger(block, ref position, incremental ? 6 : 4);

                // A string is decoded in full only if the handler will see it or the table will keep
                // it; past both limits it is validated and skipped.
                var stringLimit = Math.Max(limit - listSize, incremental ? _table.MaxSize : 0);
                var scratchUsed = 0;
                var complete = true;
                if (nameIndex != 0) GetEntry(nameIndex, out name, out _);
                else name = ReadString(block, ref position, stringLimit, ref scratchUsed, ref complete);
                value = ReadString(block, ref position, stringLimit, ref scratchUsed, ref complete);

                if (!complete)
                {
                    // Longer than the table and than the header list limit. Adding it would have
                    // emptied the table (RFC 7541 §4.4), so that is all there is left to do.
                    if (incremental) _table.Clear();
                    listSize = limit + 1;
                    continue;
                }
                if (incremental && _table.Add(name, value))
                {
                    // The name may have been a span of an entry this addition evicted and overwrote.
                    _table.Get(1, out name, out value);
                }
            }

            listSize += name.Length + value.Length + HpackDynamicTable.EntryOverhead;
            if (listSize <= limit) handler.OnHeader(name, value, neverIndex);
        }

        if (_sizeUpdateRequired) HpackDecodingException.Throw(HpackDecodingError.TableSizeUpdateMissing);
        if (listSize > limit) HpackDecodingException.Throw(HpackDecodingError.HeaderListTooLarge);
    }

    private void ApplySizeUpdate(int size)
    {
        if (size > _maxTableSizeSetting) HpackDecodingException.Throw(HpackDecodingError.TableSizeUpdateTooLarge);
        _table.SetMaxSize(size);
        _sizeUpdateRequired = false;
    }

    private void GetEntry(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (index <= HpackStaticTable.Count)
        {
            if (index == 0) HpackDecodingException.Throw(HpackDecodingError.IndexZero);
            name = HpackStaticTable.Name(index);
            value = HpackStaticTable.Value(index);
            return;
        }
        var dynamicIndex = index - HpackStaticTable.Count;
        if (dynamicIndex > _table.Count) HpackDecodingException.Throw(HpackDecodingError.IndexOutOfRange);
        _table.Get(dynamicIndex, out name, out value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        if (!HpackInteger.TryDecode(block, ref position, prefixBits, out var value)) HpackDecodingException.Throw(HpackDecodingError.Truncated);
        return value;
    }

    /// <summary>
    /// Reads a string literal (RFC 7541 §5.2). A plain string is a span of the block; a Huffman
    /// string is decoded into the scratch buffer after <paramref name="scratchUsed"/>, unless it
    /// decodes to more than <paramref name="limit"/> bytes: then it is only validated, nothing is
    /// returned, and <paramref name="complete"/> becomes false.
    /// </summary>
    private ReadOnlySpan<byte> ReadString(
        ReadOnlySpan<byte> block, scoped ref int position, long limit, scoped ref int scratchUsed, scoped ref bool complete)
    {
        if (position >= block.Length) HpackDecodingException.Throw(HpackDecodingError.Truncated);
        var huffman = (block[position] & 0x80) != 0;
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position) HpackDecodingException.Throw(HpackDecodingError.Truncated);
        var encoded = block.Slice(position, length);
        position += length;

        // A plain string costs nothing to hand out: the list size check decides about it.
        if (!huffman) return encoded;

        // Every code is at least 5 bits, so the decoded string is at most 8/5 of the encoded one.
        var room = (int)Math.Min(length * 8L / 5, Math.Max(limit, 0));
        if (_scratch.Length - scratchUsed < room) GrowScratch(scratchUsed + room);
        var destination = _scratch.AsSpan(scratchUsed, room);
        var decoded = HpackHuffman.Decode(encoded, destination);
        if (decoded > room)
        {
            complete = false;
            return default;
        }
        scratchUsed += decoded;
        return destination[..decoded];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowScratch(int needed)
    {
        // Not copied: a name decoded earlier in the same field keeps the old array alive through
        // its span. The buffer only grows, to the longest field the connection has decoded.
        _scratch = new byte[Math.Max(needed, Math.Max(256, _scratch.Length * 2))];
    }
}
