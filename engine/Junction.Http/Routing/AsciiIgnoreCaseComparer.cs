using System.Text;

namespace Junction.Http.Routing;

/// <summary>
/// Compares strings (whose chars stand for bytes, Latin-1) ignoring ASCII case, and lets a
/// <see cref="Dictionary{TKey, TValue}"/> keyed by such strings be searched with a byte span through
/// <see cref="Dictionary{TKey, TValue}.GetAlternateLookup{TAlternateKey}"/>, so looking up a domain
/// received as bytes allocates nothing.
/// </summary>
internal sealed class AsciiIgnoreCaseComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<byte>, string>
{
    /// <summary>The only instance.</summary>
    public static readonly AsciiIgnoreCaseComparer Instance = new();

    private AsciiIgnoreCaseComparer()
    {
    }

    /// <inheritdoc />
    public bool Equals(string? x, string? y)
    {
        if (x is null || y is null) return ReferenceEquals(x, y);
        if (x.Length != y.Length) return false;
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] != y[i] && Fold(x[i]) != Fold(y[i])) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public int GetHashCode(string obj) => AsciiIgnoreCase.GetHashCode(obj.AsSpan());

    /// <inheritdoc />
    public bool Equals(ReadOnlySpan<byte> alternate, string other)
    {
        if (alternate.Length != other.Length) return false;
        for (var i = 0; i < alternate.Length; i++)
        {
            var c = other[i];
            if (c > 0xFF || AsciiIgnoreCase.ToLower(alternate[i]) != AsciiIgnoreCase.ToLower((byte)c)) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public int GetHashCode(ReadOnlySpan<byte> alternate) => AsciiIgnoreCase.GetHashCode(alternate);

    /// <inheritdoc />
    public string Create(ReadOnlySpan<byte> alternate) => Encoding.Latin1.GetString(alternate);

    private static char Fold(char c) => (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
}
