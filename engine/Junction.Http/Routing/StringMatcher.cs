namespace Junction.Http.Routing;

/// <summary>
/// Envoy's <c>StringMatcher</c>, compiled: matches a byte value against a pattern encoded as UTF-8.
/// All kinds but <see cref="StringMatchKind.Regex"/> compare bytes and allocate nothing;
/// <c>ignore_case</c> folds ASCII letters only and has no effect on a regex (as in Envoy).
/// </summary>
internal sealed class StringMatcher
{
    private readonly byte[] _pattern;
    private readonly SafeRegex? _regex;

    /// <summary>Creates a literal matcher.</summary>
    public StringMatcher(StringMatchKind kind, byte[] pattern, bool ignoreCase)
    {
        Kind = kind;
        _pattern = pattern;
        IgnoreCase = ignoreCase;
    }

    /// <summary>Creates a regex matcher.</summary>
    public StringMatcher(SafeRegex regex)
    {
        Kind = StringMatchKind.Regex;
        _pattern = [];
        _regex = regex;
    }

    /// <summary>How the value is compared.</summary>
    public StringMatchKind Kind { get; }

    /// <summary>True when ASCII letters compare without regard to case.</summary>
    public bool IgnoreCase { get; }

    /// <summary>True when <paramref name="value"/> matches.</summary>
    public bool IsMatch(ReadOnlySpan<byte> value) => Kind switch
    {
        StringMatchKind.Exact => IgnoreCase ? AsciiIgnoreCase.Equals(value, _pattern) : value.SequenceEqual(_pattern),
        StringMatchKind.Prefix => IgnoreCase ? AsciiIgnoreCase.StartsWith(value, _pattern) : value.StartsWith(_pattern),
        StringMatchKind.Suffix => IgnoreCase ? AsciiIgnoreCase.EndsWith(value, _pattern) : value.EndsWith(_pattern),
        StringMatchKind.Contains => IgnoreCase ? AsciiIgnoreCase.Contains(value, _pattern) : value.IndexOf(_pattern) >= 0,
        _ => _regex!.IsMatch(value),
    };
}
