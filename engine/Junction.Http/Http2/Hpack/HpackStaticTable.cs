using System.Text;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// The 61 predefined header fields of RFC 7541 Appendix A, addressed by HPACK index 1..61 (the
/// dynamic table continues at 62). Read-only and shared by every connection.
/// </summary>
internal static class HpackStaticTable
{
    /// <summary>Number of entries; the first dynamic table index is one more.</summary>
    public const int Count = 61;

    private static readonly byte[][] Names;
    private static readonly byte[][] Values;

    // Static indices grouped by name length, in table order, so that the encoder compares a name
    // with the few entries of the same length instead of all 61.
    private static readonly byte[][] IndicesByNameLength;

    static HpackStaticTable()
    {
        (string Name, string Value)[] entries =
        [
            (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
            (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"), (":status", "200"),
            (":status", "204"), (":status", "206"), (":status", "304"), (":status", "400"),
            (":status", "404"), (":status", "500"), ("accept-charset", ""), ("accept-encoding", "gzip, deflate"),
            ("accept-language", ""), ("accept-ranges", ""), ("accept", ""), ("access-control-allow-origin", ""),
            ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
            ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
            ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
            ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""),
            ("from", ""), ("host", ""), ("if-match", ""), ("if-modified-since", ""),
            ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""), ("last-modified", ""),
            ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
            ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""),
            ("retry-after", ""), ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""),
            ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""),
            ("www-authenticate", ""),
        ];

        // Slot 0 is unused so that HPACK indices address the arrays directly.
        Names = new byte[Count + 1][];
        Values = new byte[Count + 1][];
        Names[0] = Values[0] = [];
        var byLength = new List<byte>[entries.Max(e => e.Name.Length) + 1];
        for (var i = 0; i < entries.Length; i++)
        {
            var index = i + 1;
            Names[index] = Encoding.ASCII.GetBytes(entries[i].Name);
            Values[index] = Encoding.ASCII.GetBytes(entries[i].Value);
            (byLength[entries[i].Name.Length] ??= []).Add((byte)index);
        }
        IndicesByNameLength = byLength.Select(list => list?.ToArray() ?? []).ToArray();
    }

    /// <summary>The name of the entry at <paramref name="index"/> (1..61).</summary>
    public static ReadOnlySpan<byte> Name(int index) => Names[index];

    /// <summary>The value of the entry at <paramref name="index"/> (1..61); empty for most.</summary>
    public static ReadOnlySpan<byte> Value(int index) => Values[index];

    /// <summary>Looks a field up for the encoder.</summary>
    /// <param name="nameIndex">The first entry with this name, or 0 when no entry has it.</param>
    /// <returns>The index of the entry with this name and value, or 0 when there is none.</returns>
    public static int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out int nameIndex)
    {
        nameIndex = 0;
        if (name.Length >= IndicesByNameLength.Length) return 0;
        foreach (var index in IndicesByNameLength[name.Length])
        {
            if (!name.SequenceEqual(Names[index])) continue;
            if (nameIndex == 0) nameIndex = index;
            if (value.SequenceEqual(Values[index])) return index;
        }
        return 0;
    }
}
