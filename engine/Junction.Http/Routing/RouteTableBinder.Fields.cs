using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Junction.Configuration;
using Junction.Http.Http1;

namespace Junction.Http.Routing;

internal sealed partial class RouteTableBinder
{
    private static readonly IReadOnlyDictionary<string, ConfigMap> NoPerFilterConfig = new Dictionary<string, ConfigMap>();

    // Visible ASCII: what a configured path, host or scheme may hold (other bytes must be percent-encoded).
    private static readonly SearchValues<char> PrintableAscii = SearchValues.Create(
        Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(c => (char)c).ToArray());

    /// <summary>
    /// For a protobuf <c>oneof</c>: the key of <paramref name="keys"/> that is present. A second one
    /// is an error at its value ("only one of …"); none is an error at the mapping when
    /// <paramref name="required"/>. Returns null when none is present.
    /// </summary>
    private static string? OneOf(ConfigMap map, bool required, params string[] keys)
    {
        string? found = null;
        foreach (var key in keys)
        {
            if (!map.Has(key)) continue;
            if (found is null)
            {
                found = key;
                continue;
            }
            map.Node(key)!.Error($"only one of {string.Join(", ", keys)} may be set, but '{found}' is set too");
        }
        if (found is null && required) map.Error($"one of {string.Join(", ", keys)} is required");
        return found;
    }

    /// <summary>A string of visible ASCII (a path, host or scheme that ends up in a header); null when absent or after an error.</summary>
    private static string? AsciiField(ConfigMap map, string key, bool allowEmpty = false)
    {
        var value = map.String(key);
        if (value is null) return null;
        if ((value.Length == 0 && !allowEmpty) || value.AsSpan().ContainsAnyExcept(PrintableAscii))
        {
            map.Node(key)!.Error($"{key} must be {(allowEmpty ? "" : "non-empty ")}visible ASCII without spaces (percent-encode other bytes)");
            return null;
        }
        return value;
    }

    private static bool IsPrintableAscii(string value) => !value.AsSpan().ContainsAnyExcept(PrintableAscii);

    /// <summary>True for an RFC 9110 token: what a header name is made of.</summary>
    private static bool IsToken(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c > 0x7F || !Http1Characters.Token.Contains((byte)c)) return false;
        }
        return true;
    }

    /// <summary>An Envoy <c>StringMatcher</c>; null when absent or after an error.</summary>
    private static StringMatcher? BindStringMatcher(ConfigMap? map)
    {
        if (map is null) return null;
        var ignoreCase = map.Bool("ignore_case", false);
        map.Unsupported("custom");
        StringMatcher? matcher = null;
        var key = OneOf(map, required: !map.Has("custom"), "exact", "prefix", "suffix", "contains", "safe_regex");
        switch (key)
        {
            case "exact":
                matcher = new StringMatcher(StringMatchKind.Exact, Encoding.UTF8.GetBytes(map.String("exact") ?? ""), ignoreCase);
                break;
            case "prefix" or "suffix" or "contains":
                var value = map.String(key);
                if (string.IsNullOrEmpty(value))
                {
                    map.Node(key)!.Error($"{key} must not be empty");
                    break;
                }
                var kind = key switch { "prefix" => StringMatchKind.Prefix, "suffix" => StringMatchKind.Suffix, _ => StringMatchKind.Contains };
                matcher = new StringMatcher(kind, Encoding.UTF8.GetBytes(value), ignoreCase);
                break;
            case "safe_regex":
                matcher = BindRegexMatcher(map.Map("safe_regex", required: true)) is { } regex ? new StringMatcher(regex) : null;
                break;
        }
        map.RejectUnknownFields();
        return matcher;
    }

    /// <summary>An Envoy <c>RegexMatcher</c> compiled for full matches; null when absent or after an error.</summary>
    private static SafeRegex? BindRegexMatcher(ConfigMap? map)
    {
        if (map is null) return null;
        var pattern = ReadRegexMatcher(map);
        return pattern is null ? null : SafeRegex.Compile(pattern, map.Node("regex")!);
    }

    /// <summary>An Envoy <c>RegexMatcher</c> compiled as is (for rewriting); null after an error.</summary>
    private static Regex? BindRegex(ConfigMap map, bool anchored)
    {
        var pattern = ReadRegexMatcher(map);
        return pattern is null ? null : SafeRegex.CompileRegex(pattern, map.Node("regex")!, anchored);
    }

    private static string? ReadRegexMatcher(ConfigMap map)
    {
        var pattern = map.String("regex", required: true);
        // google_re2 only carries RE2 program size limits; the .NET engine has none to set.
        if (map.Map("google_re2") is { } re2)
        {
            re2.Unsupported("max_program_size", "only an empty google_re2 is accepted");
            re2.RejectUnknownFields();
        }
        map.RejectUnknownFields();
        return pattern;
    }

    /// <summary>
    /// <c>typed_per_filter_config</c>: kept raw per filter name for the filter to bind later (the
    /// filter validates it, so its fields are not checked here).
    /// </summary>
    private static IReadOnlyDictionary<string, ConfigMap> BindPerFilterConfig(ConfigMap owner)
    {
        if (owner.Map("typed_per_filter_config") is not { } map) return NoPerFilterConfig;
        var result = new Dictionary<string, ConfigMap>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            map.MarkRead(key.Value);
            if (value is ConfigMap config) result[key.Value] = config;
            else value.Error($"expected a mapping, found {value.KindName}");
        }
        return result;
    }
}
