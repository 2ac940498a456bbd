using System.Diagnostics;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// The dynamic table of one HPACK context (RFC 7541 §2.3.2, §4): a FIFO of fields, newest first,
/// whose size (name + value + 32 per entry) never exceeds <see cref="MaxSize"/>. Used by the
/// decoder directly and by the encoder through <see cref="HpackEncoderTable"/>.
/// </summary>
/// <remarks>
/// <para>The bytes of every entry live in one array owned by the table; an entry is three ints in
/// a ring. Adding copies the field in once; looking up returns spans of the array, so nothing is
/// allocated per entry.</para>
/// <para>The array is used as a ring too: an entry that would run past its end goes to the start
/// instead (leaving a gap), so every entry is contiguous. The new entry always lands in free space
/// if the array holds at least twice the live bytes plus the new entry. When the live bytes do not
/// wrap and the entry does not fit after them, the oldest entry starts at least
/// <c>length − live − new</c> bytes in, which is at least the new entry's length; when they wrap,
/// the gap left at the end is shorter than the entry at the start, which is live, so the space
/// between the newest and the oldest entry is more than <c>length − 2·live</c>. The array grows
/// (packing the entries) when an addition needs it, up to <c>2·MaxSize</c>, so a connection that
/// advertises a large table but sends small headers holds a small array.</para>
/// </remarks>
internal sealed class HpackDynamicTable
{
    /// <summary>Bytes counted per entry on top of its name and value (RFC 7541 §4.1).</summary>
    public const int EntryOverhead = 32;

    /// <summary>The initial SETTINGS_HEADER_TABLE_SIZE of HTTP/2 (RFC 9113 §6.5.2).</summary>
    public const int DefaultMaxSize = 4096;

    /// <summary>The largest maximum size a table accepts (its byte array may reach twice this).</summary>
    public const int MaxSupportedSize = 1 << 29;

    private const int MinimumByteCapacity = 512;

    private struct Entry
    {
        public int Offset;
        public int NameLength;
        public int ValueLength;
    }

    private byte[] _bytes = [];
    private Entry[] _entries = [];   // ring, oldest at _oldest; length a power of two
    private int _oldest;
    private int _count;
    private int _writeOffset;        // where the newest entry's bytes end
    private int _size;
    private int _maxSize;
    private long _inserted;

    public HpackDynamicTable(int maxSize = DefaultMaxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, MaxSupportedSize);
        _maxSize = maxSize;
    }

    /// <summary>The most bytes the entries may take (as counted by RFC 7541 §4.1).</summary>
    public int MaxSize => _maxSize;

    /// <summary>The bytes the entries take now (name + value + 32 each).</summary>
    public int Size => _size;

    /// <summary>The number of entries; valid indices are 1..Count, 1 being the newest.</summary>
    public int Count => _count;

    /// <summary>
    /// How many entries were ever added. Entry <c>n</c> (0-based, in order of addition) is at index
    /// <c>Inserted − n</c> while that is at most <see cref="Count"/>: the encoder uses this to keep
    /// references to entries that stay valid as newer ones arrive.
    /// </summary>
    public long Inserted => _inserted;

    /// <summary>The entry at <paramref name="index"/> (1 = newest, up to <see cref="Count"/>).</summary>
    /// <remarks>The spans stay valid until the next <see cref="Add"/> or <see cref="SetMaxSize"/>.</remarks>
    public void Get(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        Debug.Assert(index >= 1 && index <= _count);
        ref readonly var entry = ref _entries[(_oldest + _count - index) & (_entries.Length - 1)];
        name = _bytes.AsSpan(entry.Offset, entry.NameLength);
        value = _bytes.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>
    /// Adds a field as the newest entry, evicting the oldest until it fits. A field larger than
    /// <see cref="MaxSize"/> empties the table and is not added (RFC 7541 §4.4).
    /// </summary>
    /// <param name="name">May be a span returned by <see cref="Get"/>, even of an entry this call evicts.</param>
    /// <param name="value">Must not be a span of this table.</param>
    /// <returns>True when the field was added.</returns>
    public bool Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var entrySize = (long)name.Length + value.Length + EntryOverhead;
        if (entrySize > _maxSize)
        {
            Clear();
            return false;
        }
        EvictUntilSize(_maxSize - (int)entrySize);

        var length = name.Length + value.Length;
        var needed = 2 * (_size - (_count * EntryOverhead) + length);
        if (_bytes.Length < needed)
        {
            Relocate(new byte[Math.Min(Math.Max(needed, Math.Max(MinimumByteCapacity, _bytes.Length * 2)), 2 * _maxSize)]);
        }
        if (_count == _entries.Length) GrowEntries();

        var offset = _count == 0 ? 0 : _writeOffset;
        if (offset + length > _bytes.Length) offset = 0;
        // Name before value: eviction may have freed the name's own bytes, and CopyTo handles overlap.
        name.CopyTo(_bytes.AsSpan(offset));
        value.CopyTo(_bytes.AsSpan(offset + name.Length));
        _writeOffset = offset + length;

        _entries[(_oldest + _count) & (_entries.Length - 1)] = new Entry { Offset = offset, NameLength = name.Length, ValueLength = value.Length };
        _count++;
        _size += (int)entrySize;
        _inserted++;
        return true;
    }

    /// <summary>
    /// Sets the maximum size (a dynamic table size update, or the encoder applying the peer's
    /// SETTINGS_HEADER_TABLE_SIZE), evicting entries until they fit.
    /// </summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, MaxSupportedSize);
        _maxSize = maxSize;
        EvictUntilSize(maxSize);
        // A larger maximum is served by Add growing the array when needed; a smaller one gives
        // back what the array can no longer use.
        if (_bytes.Length > 2 * maxSize) Relocate(_count == 0 ? [] : new byte[2 * maxSize]);
    }

    private void EvictUntilSize(int size)
    {
        while (_size > size)
        {
            ref readonly var oldest = ref _entries[_oldest];
            _size -= oldest.NameLength + oldest.ValueLength + EntryOverhead;
            _oldest = (_oldest + 1) & (_entries.Length - 1);
            _count--;
        }
    }

    /// <summary>Evicts every entry, as adding a field larger than <see cref="MaxSize"/> does.</summary>
    public void Clear()
    {
        _oldest = 0;
        _count = 0;
        _size = 0;
    }

    private void GrowEntries()
    {
        // Bounded by MaxSize / 32 entries; the ring starts small because most tables hold a few dozen.
        var grown = new Entry[Math.Max(16, _entries.Length * 2)];
        for (var i = 0; i < _count; i++) grown[i] = _entries[(_oldest + i) & (_entries.Length - 1)];
        _entries = grown;
        _oldest = 0;
    }

    private void Relocate(byte[] bytes)
    {
        // Oldest to newest, packed from offset 0: the invariant Add relies on holds in the new array.
        var offset = 0;
        for (var i = 0; i < _count; i++)
        {
            ref var entry = ref _entries[(_oldest + i) & (_entries.Length - 1)];
            var length = entry.NameLength + entry.ValueLength;
            _bytes.AsSpan(entry.Offset, length).CopyTo(bytes.AsSpan(offset));
            entry.Offset = offset;
            offset += length;
        }
        _bytes = bytes;
        _writeOffset = offset;
    }
}
