using Junction.Configuration;
using Junction.HttpFilters;

namespace Junction.Filters.Fault;

/// <summary>
/// One entry of the fault filter's <c>headers</c> (Envoy's <c>HeaderMatcher</c>): exact, prefix, suffix,
/// contains or present, optionally ignoring case and inverted. Regular expressions and ranges are refused
/// when the configuration loads. Only the first field of the name is looked at, and a missing header never
/// matches a value test, inverted or not (only <c>present_match</c> can match an absent header).
/// </summary>
internal sealed class FaultHeaderMatcher
{
    private readonly string _name;
    private readonly MatchKind _kind;
    private readonly string _value;
    private readonly bool _ignoreCase;
    private readonly bool _invert;

    private FaultHeaderMatcher(string name, MatchKind kind, string value, bool ignoreCase, bool invert)
    {
        _name = name;
        _kind = kind;
        _value = value;
        _ignoreCase = ignoreCase;
        _invert = invert;
    }

    private enum MatchKind
    {
        Exact,
        Prefix,
        Suffix,
        Contains,
        Present,
        Absent,
    }

    /// <summary>True when <paramref name="headers"/> satisfy this matcher.</summary>
    public bool Matches(IHttpRequestHeaders headers)
    {
        var value = headers.Get(_name);
        if (_kind is MatchKind.Present or MatchKind.Absent) return (value is not null) == (_kind == MatchKind.Present) != _invert;
        if (value is null) return false;
        var comparison = _ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var matched = _kind switch
        {
            MatchKind.Exact => string.Equals(value, _value, comparison),
            MatchKind.Prefix => value.StartsWith(_value, comparison),
            MatchKind.Suffix => value.EndsWith(_value, comparison),
            _ => value.Contains(_value, comparison),
        };
        return matched != _invert;
    }

    /// <summary>Binds one <c>HeaderMatcher</c>; null after errors (reported on its nodes).</summary>
    public static FaultHeaderMatcher? Bind(ConfigMap map)
    {
        var errors = map.Diagnostics.Errors.Count;
        var name = map.String("name", required: true);
        var invert = map.Bool("invert_match", false);
        var forms = new List<(MatchKind Kind, string Value, bool IgnoreCase)>();
        if (map.String("exact_match") is { } exact) forms.Add((MatchKind.Exact, exact, false));
        if (map.String("prefix_match") is { } prefix) forms.Add((MatchKind.Prefix, prefix, false));
        if (map.String("suffix_match") is { } suffix) forms.Add((MatchKind.Suffix, suffix, false));
        if (map.String("contains_match") is { } contains) forms.Add((MatchKind.Contains, contains, false));
        if (map.Has("present_match")) forms.Add((map.Bool("present_match", true) ? MatchKind.Present : MatchKind.Absent, "", false));
        if (map.Map("string_match") is { } stringMatch && BindStringMatch(stringMatch) is { } form) forms.Add(form);
        map.Unsupported("safe_regex_match", "regular expressions are not supported in fault filter header matchers");
        map.Unsupported("range_match");
        map.Unsupported("treat_missing_header_as_empty");
        map.RejectUnknownFields();
        if (forms.Count > 1) map.Error("a header matcher takes one of exact_match, prefix_match, suffix_match, contains_match, present_match or string_match");
        if (map.Diagnostics.Errors.Count > errors || name is null) return null;
        // No form at all: Envoy matches on presence.
        var (kind, value, ignoreCase) = forms.Count == 1 ? forms[0] : (MatchKind.Present, "", false);
        return new FaultHeaderMatcher(name, kind, value, ignoreCase, invert);
    }

    private static (MatchKind, string, bool)? BindStringMatch(ConfigMap map)
    {
        var ignoreCase = map.Bool("ignore_case", false);
        var forms = new List<(MatchKind, string, bool)>();
        if (map.String("exact") is { } exact) forms.Add((MatchKind.Exact, exact, ignoreCase));
        if (map.String("prefix") is { } prefix) forms.Add((MatchKind.Prefix, prefix, ignoreCase));
        if (map.String("suffix") is { } suffix) forms.Add((MatchKind.Suffix, suffix, ignoreCase));
        if (map.String("contains") is { } contains) forms.Add((MatchKind.Contains, contains, ignoreCase));
        map.Unsupported("safe_regex", "regular expressions are not supported in fault filter header matchers");
        map.Unsupported("custom");
        map.RejectUnknownFields();
        if (forms.Count == 1) return forms[0];
        map.Error("string_match takes exactly one of exact, prefix, suffix or contains");
        return null;
    }
}
