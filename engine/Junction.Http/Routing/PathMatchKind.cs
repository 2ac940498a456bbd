namespace Junction.Http.Routing;

/// <summary>The path specifier of a route's <c>match</c> (exactly one is set).</summary>
internal enum PathMatchKind
{
    /// <summary><c>prefix</c>: the path starts with the value.</summary>
    Prefix,

    /// <summary><c>path</c>: the path equals the value.</summary>
    Path,

    /// <summary><c>safe_regex</c>: the whole path matches the regex.</summary>
    Regex,

    /// <summary>
    /// <c>path_separated_prefix</c>: the path equals the value or continues it with <c>/</c>, so
    /// <c>/api</c> matches <c>/api</c> and <c>/api/v1</c> but not <c>/apix</c>.
    /// </summary>
    PathSeparatedPrefix,
}
