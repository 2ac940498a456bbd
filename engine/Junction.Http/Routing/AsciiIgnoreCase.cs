namespace Junction.Http.Routing;

/// <summary>
/// Byte comparisons that ignore the case of ASCII letters only, as Envoy's (absl's) do: other bytes,
/// including 0x80–0xFF, must be equal. <see cref="System.Text.Ascii.EqualsIgnoreCase(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
/// is not used because it answers false for any non-ASCII byte, even an identical one.
/// </summary>
internal static class AsciiIgnoreCase
{
    /// <summary>The byte with A–Z mapped to a–z.</summary>
    public static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>True when both spans hold the same bytes, ignoring ASCII case.</summary>
    public static bool Equals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length) return false;
        // Most comparisons are of equal text (configured lower case, sent lower case): one
        // vectorised compare answers them.
        if (left.SequenceEqual(right)) return true;
        for (var i = 0; i < left.Length; i++)
        {
            if (left[i] != right[i] && ToLower(left[i]) != ToLower(right[i])) return false;
        }
        return true;
    }

    /// <summary>True when <paramref name="value"/> starts with <paramref name="prefix"/>, ignoring ASCII case.</summary>
    public static bool StartsWith(ReadOnlySpan<byte> value, ReadOnlySpan<byte> prefix) =>
        value.Length >= prefix.Length && Equals(value[..prefix.Length], prefix);

    /// <summary>True when <paramref name="value"/> ends with <paramref name="suffix"/>, ignoring ASCII case.</summary>
    public static bool EndsWith(ReadOnlySpan<byte> value, ReadOnlySpan<byte> suffix) =>
        value.Length >= suffix.Length && Equals(value[^suffix.Length..], suffix);

    /// <summary>True when <paramref name="value"/> contains <paramref name="needle"/>, ignoring ASCII case.</summary>
    public static bool Contains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> needle)
    {
        if (needle.IsEmpty) return true;
        var first = ToLower(needle[0]);
        var firstUpper = (uint)(first - 'a') <= 'z' - 'a' ? (byte)(first & ~0x20) : first;
        var last = value.Length - needle.Length;
        var start = 0;
        while (start <= last)
        {
            // Jump to the next candidate first byte with a vectorised search, then compare the rest.
            var found = value[start..(last + 1)].IndexOfAny(first, firstUpper);
            if (found < 0) return false;
            start += found;
            if (Equals(value.Slice(start, needle.Length), needle)) return true;
            start++;
        }
        return false;
    }

    /// <summary>A hash of <paramref name="value"/> that is equal for spans equal under <see cref="Equals(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    public static int GetHashCode(ReadOnlySpan<byte> value)
    {
        // FNV-1a over lower-cased bytes; domains are short, so a simple loop is enough.
        var hash = 2166136261u;
        foreach (var b in value) hash = (hash ^ ToLower(b)) * 16777619u;
        return (int)hash;
    }

    /// <summary>
    /// The same hash for a string whose chars stand for bytes (Latin-1). A char above U+00FF cannot
    /// equal any byte; it is folded in unchanged so such strings still hash consistently among themselves.
    /// </summary>
    public static int GetHashCode(ReadOnlySpan<char> value)
    {
        var hash = 2166136261u;
        foreach (var c in value) hash = (hash ^ (c <= 0xFF ? ToLower((byte)c) : c)) * 16777619u;
        return (int)hash;
    }
}
