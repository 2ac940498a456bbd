namespace Junction.Http.Routing;

/// <summary>
/// The path part of a route's <c>match</c>. Prefix and exact forms compare bytes (ASCII case folded
/// when <c>case_sensitive: false</c>) and allocate nothing; a regex ignores <c>case_sensitive</c>, as in Envoy.
/// </summary>
internal sealed class PathMatcher
{
    private readonly byte[] _value;
    private readonly SafeRegex? _regex;

    /// <summary>Creates a prefix, exact or path-separated-prefix matcher.</summary>
    public PathMatcher(PathMatchKind kind, string text, byte[] value, bool caseSensitive)
    {
        Kind = kind;
        Text = text;
        _value = value;
        CaseSensitive = caseSensitive;
    }

    /// <summary>Creates a regex matcher.</summary>
    public PathMatcher(SafeRegex regex)
    {
        Kind = PathMatchKind.Regex;
        Text = regex.Pattern;
        _value = [];
        _regex = regex;
        CaseSensitive = true;
    }

    /// <summary>Which specifier was configured.</summary>
    public PathMatchKind Kind { get; }

    /// <summary>The configured prefix, path or pattern.</summary>
    public string Text { get; }

    /// <summary>False when <c>case_sensitive: false</c> was configured.</summary>
    public bool CaseSensitive { get; }

    /// <summary>True when <paramref name="path"/> (without the query) matches.</summary>
    public bool IsMatch(ReadOnlySpan<byte> path)
    {
        switch (Kind)
        {
            case PathMatchKind.Prefix:
                return CaseSensitive ? path.StartsWith(_value) : AsciiIgnoreCase.StartsWith(path, _value);
            case PathMatchKind.Path:
                return CaseSensitive ? path.SequenceEqual(_value) : AsciiIgnoreCase.Equals(path, _value);
            case PathMatchKind.PathSeparatedPrefix:
                if (path.Length > _value.Length && path[_value.Length] != (byte)'/') return false;
                return CaseSensitive ? path.StartsWith(_value) : AsciiIgnoreCase.StartsWith(path, _value);
            default:
                return _regex!.IsMatch(path);
        }
    }

    /// <summary>
    /// How many leading bytes of a path this matcher matched, which is what <c>prefix_rewrite</c>
    /// replaces: the configured prefix for the prefix forms (its length is the same whatever the
    /// case of the path), the whole path for an exact path or a regex (Envoy does the same).
    /// </summary>
    public int MatchedLength(ReadOnlySpan<byte> path) =>
        Kind is PathMatchKind.Prefix or PathMatchKind.PathSeparatedPrefix ? Math.Min(_value.Length, path.Length) : path.Length;
}
