using System.Text;
using System.Text.RegularExpressions;

namespace Junction.Http.Routing;

/// <summary>
/// A route's or a redirect's <c>prefix_rewrite</c> or <c>regex_rewrite</c>. Works on the path
/// without the query; the caller keeps the query as it was.
/// </summary>
/// <remarks>
/// The result is a string whose chars stand for bytes: request bytes are decoded as Latin-1 and the
/// configured parts are ASCII (checked when binding), so encoding it with <see cref="Encoding.Latin1"/>
/// gives back exactly the bytes meant. Rewriting allocates the new path, and nothing else.
/// </remarks>
internal sealed class PathRewrite
{
    private readonly PathMatcher _matcher;
    private readonly string? _prefix;
    private readonly Regex? _pattern;
    private readonly string _substitution;

    private PathRewrite(PathMatcher matcher, string? prefix, Regex? pattern, string substitution)
    {
        _matcher = matcher;
        _prefix = prefix;
        _pattern = pattern;
        _substitution = substitution;
    }

    /// <summary>
    /// A <c>prefix_rewrite</c>: the part of the path the route matched is replaced with
    /// <paramref name="prefix"/> -- the configured prefix for <c>prefix</c> and
    /// <c>path_separated_prefix</c> routes, the whole path for <c>path</c> and <c>safe_regex</c> routes.
    /// </summary>
    public static PathRewrite ForPrefix(PathMatcher matcher, string prefix) => new(matcher, prefix, null, "");

    /// <summary>
    /// A <c>regex_rewrite</c>: every match of <paramref name="pattern"/> is replaced with
    /// <paramref name="substitution"/> (.NET form: RE2's <c>\1</c> already translated to <c>${1}</c>).
    /// </summary>
    public static PathRewrite ForRegex(PathMatcher matcher, Regex pattern, string substitution) => new(matcher, null, pattern, substitution);

    /// <summary>The rewritten path; never empty (an empty result becomes <c>/</c>).</summary>
    /// <param name="path">The path the route matched, without the query.</param>
    public string Rewrite(ReadOnlySpan<byte> path)
    {
        string result;
        if (_prefix is not null)
        {
            var matched = _matcher.MatchedLength(path);
            result = string.Concat(_prefix, Encoding.Latin1.GetString(path[matched..]));
        }
        else
        {
            result = _pattern!.Replace(Encoding.Latin1.GetString(path), _substitution);
        }
        return result.Length == 0 ? "/" : result;
    }
}
