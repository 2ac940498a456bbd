namespace Junction.Http.Routing;

/// <summary>
/// One entry of a route's <c>match.headers</c> (Envoy's <c>HeaderMatcher</c>), with Envoy's rules for
/// absent headers, <c>invert_match</c> and <c>treat_missing_header_as_empty</c>. Only the first field
/// of a name is examined (Envoy joins repeated fields with commas; Junction does not, to stay free of
/// allocation).
/// </summary>
internal sealed class HeaderMatcher
{
    private readonly byte[] _name;
    private readonly HeaderSource _source;
    private readonly StringMatcher? _matcher;
    private readonly bool _present;
    private readonly bool _invert;
    private readonly bool _treatMissingAsEmpty;

    /// <summary>Creates a matcher.</summary>
    /// <param name="name">The lower-case field name.</param>
    /// <param name="source">Where the value comes from.</param>
    /// <param name="matcher">The value matcher; null for a presence match (and for the deprecated empty <c>exact_match</c>, which matches any value).</param>
    /// <param name="present">For a presence match: true to require the header, false to require its absence.</param>
    /// <param name="invert">Envoy's <c>invert_match</c>.</param>
    /// <param name="treatMissingAsEmpty">Envoy's <c>treat_missing_header_as_empty</c>.</param>
    public HeaderMatcher(string name, HeaderSource source, StringMatcher? matcher, bool present, bool invert, bool treatMissingAsEmpty)
    {
        Name = name;
        _name = System.Text.Encoding.ASCII.GetBytes(name);
        _source = source;
        _matcher = matcher;
        _present = present;
        _invert = invert;
        _treatMissingAsEmpty = treatMissingAsEmpty;
    }

    /// <summary>The lower-case field name.</summary>
    public string Name { get; }

    /// <summary>True when the request satisfies this matcher.</summary>
    public bool Matches<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
    {
        ReadOnlySpan<byte> value;
        bool found;
        switch (_source)
        {
            case HeaderSource.Method:
                value = request.Method;
                found = true;
                break;
            case HeaderSource.Authority:
                value = request.Authority;
                found = !value.IsEmpty;
                break;
            default:
                found = request.TryGetHeader(_name, out value);
                break;
        }

        if (!found)
        {
            // Envoy: an absent header fails every matcher except a presence match asking for
            // absence (or, inverted, for presence) -- unless it is to be treated as empty.
            if (!_treatMissingAsEmpty) return _matcher is null && _present == _invert;
            value = default;
        }
        var match = _matcher is null ? _present : _matcher.IsMatch(value);
        return match != _invert;
    }
}
