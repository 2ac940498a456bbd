namespace Junction.Http.Routing;

/// <summary>How a <see cref="StringMatcher"/> compares (Envoy's <c>StringMatcher.match_pattern</c>).</summary>
internal enum StringMatchKind
{
    /// <summary><c>exact</c>: the whole value equals the pattern.</summary>
    Exact,

    /// <summary><c>prefix</c>: the value starts with the pattern.</summary>
    Prefix,

    /// <summary><c>suffix</c>: the value ends with the pattern.</summary>
    Suffix,

    /// <summary><c>contains</c>: the pattern occurs in the value.</summary>
    Contains,

    /// <summary><c>safe_regex</c>: the whole value matches the regex.</summary>
    Regex,
}
