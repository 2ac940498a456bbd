using System.Numerics;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// The encoder's dynamic table: a <see cref="HpackDynamicTable"/> plus a hash index by name, so
/// that finding a field costs a short chain walk instead of comparing every entry.
/// </summary>
/// <remarks>
/// Entries are known by their insertion number (see <see cref="HpackDynamicTable.Inserted"/>). A
/// bucket holds the number of the newest entry whose name hashes to it, and each entry the number
/// of the next older one in the same bucket. Eviction does not touch the index: a walk goes from
/// newer to older and stops at the first number that is no longer in the table, since everything
/// older is gone too.
/// </remarks>
internal sealed class HpackEncoderTable
{
    private const long None = -1;

    private readonly HpackDynamicTable _table;
    private long[] _buckets = [];    // insertion number of the newest entry per bucket, or None
    private long[] _olderInBucket = []; // by insertion number modulo length; longer than the entry count

    public HpackEncoderTable(int maxSize)
    {
        _table = new HpackDynamicTable(maxSize);
        ResizeIndex();
    }

    /// <summary>The table's maximum size.</summary>
    public int MaxSize => _table.MaxSize;

    /// <summary>The table's current size.</summary>
    public int Size => _table.Size;

    /// <summary>The number of entries.</summary>
    public int Count => _table.Count;

    /// <summary>Looks for an entry with this name and value.</summary>
    /// <param name="nameIndex">The HPACK index (62 and up) of the newest entry with this name, or 0.</param>
    /// <returns>The HPACK index of an entry with this name and value, or 0.</returns>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out int nameIndex)
    {
        nameIndex = 0;
        if (_table.Count == 0) return 0;
        var oldestLive = _table.Inserted - _table.Count;
        for (var n = _buckets[Bucket(name)]; n >= oldestLive; n = _olderInBucket[n & (_olderInBucket.Length - 1)])
        {
            var index = (int)(_table.Inserted - n);
            _table.Get(index, out var entryName, out var entryValue);
            if (!entryName.SequenceEqual(name)) continue;
            if (nameIndex == 0) nameIndex = HpackStaticTable.Count + index;
            if (entryValue.SequenceEqual(value)) return HpackStaticTable.Count + index;
        }
        return 0;
    }

    /// <summary>Adds a field as the newest entry (see <see cref="HpackDynamicTable.Add"/>).</summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!_table.Add(name, value)) return;
        if (_table.Count > _olderInBucket.Length)
        {
            // Re-links every live entry, this one included.
            ResizeIndex();
            return;
        }
        var n = _table.Inserted - 1;
        ref var bucket = ref _buckets[Bucket(name)];
        _olderInBucket[n & (_olderInBucket.Length - 1)] = bucket;
        bucket = n;
    }

    /// <summary>Sets the table's maximum size, evicting as needed.</summary>
    public void SetMaxSize(int maxSize) => _table.SetMaxSize(maxSize);

    private int Bucket(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode() & (_buckets.Length - 1);
    }

    private void ResizeIndex()
    {
        // The link array must be longer than the live entry count, so that a live entry's link is
        // never overwritten by a newer entry's; it grows with the count, not with the maximum size,
        // which may be large while the entries are few. One bucket per slot keeps chains short.
        var length = (int)Math.Max(16, BitOperations.RoundUpToPowerOf2((uint)_table.Count) * 2);
        _buckets = new long[length];
        _olderInBucket = new long[length];
        Array.Fill(_buckets, None);

        // Re-link the live entries, oldest first, so each chain is again newest to oldest.
        for (var n = _table.Inserted - _table.Count; n < _table.Inserted; n++)
        {
            _table.Get((int)(_table.Inserted - n), out var name, out _);
            ref var bucket = ref _buckets[Bucket(name)];
            _olderInBucket[n & (length - 1)] = bucket;
            bucket = n;
        }
    }
}
