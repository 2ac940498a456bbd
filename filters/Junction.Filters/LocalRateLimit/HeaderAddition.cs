using Junction.Configuration;
using Junction.HttpFilters;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// One entry of an Envoy <c>HeaderValueOption</c> list (<c>response_headers_to_add</c> and the like): a
/// fixed header and how it meets a header of the same name that is already there.
/// </summary>
/// <param name="Name">The header name.</param>
/// <param name="Value">The value (literal: no %VARIABLE% substitution).</param>
/// <param name="Action">Envoy's <c>append_action</c>.</param>
internal sealed record HeaderAddition(string Name, string Value, HeaderAppendAction Action)
{
    // Framing and hop-by-hop fields are the proxy's; the header map refuses them, so refuse them while loading.
    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "host",
    };

    /// <summary>Applies the addition to <paramref name="headers"/>.</summary>
    public void ApplyTo(IHttpHeaderMap headers)
    {
        switch (Action)
        {
            case HeaderAppendAction.AppendIfExistsOrAdd:
                headers.Add(Name, Value);
                break;
            case HeaderAppendAction.AddIfAbsent:
                if (headers.Get(Name) is null) headers.Add(Name, Value);
                break;
            case HeaderAppendAction.OverwriteIfExistsOrAdd:
                headers.Set(Name, Value);
                break;
            case HeaderAppendAction.OverwriteIfExists:
                if (headers.Get(Name) is not null) headers.Set(Name, Value);
                break;
        }
    }

    /// <summary>Binds a sequence of <c>HeaderValueOption</c>; entries with errors are reported and left out.</summary>
    public static IReadOnlyList<HeaderAddition> BindAll(ConfigMap owner, string key)
    {
        var result = new List<HeaderAddition>();
        foreach (var option in owner.Maps(key))
        {
            if (Bind(option) is { } addition) result.Add(addition);
        }
        return result;
    }

    private static HeaderAddition? Bind(ConfigMap option)
    {
        var header = option.Map("header", required: true);
        string? name = null;
        string? value = null;
        if (header is not null)
        {
            name = header.String("key", required: true);
            value = header.String("value") ?? "";
            header.Unsupported("raw_value", "use 'value'");
            header.RejectUnknownFields();
        }
        var hasAppend = option.Has("append");
        var append = option.Bool("append", true);
        var action = option.Choice("append_action", HeaderAppendAction.AppendIfExistsOrAdd,
            ("APPEND_IF_EXISTS_OR_ADD", HeaderAppendAction.AppendIfExistsOrAdd),
            ("ADD_IF_ABSENT", HeaderAppendAction.AddIfAbsent),
            ("OVERWRITE_IF_EXISTS_OR_ADD", HeaderAppendAction.OverwriteIfExistsOrAdd),
            ("OVERWRITE_IF_EXISTS", HeaderAppendAction.OverwriteIfExists));
        if (hasAppend && option.Has("append_action")) option.Error("give either 'append' or 'append_action', not both");
        else if (hasAppend) action = append ? HeaderAppendAction.AppendIfExistsOrAdd : HeaderAppendAction.OverwriteIfExistsOrAdd;
        var keepEmpty = option.Bool("keep_empty_value", false);
        option.RejectUnknownFields();
        if (header is null || name is null || value is null) return null;
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            header.Node("key")!.Error($"'{name}' is not a valid header name");
            return null;
        }
        if (s_reserved.Contains(name))
        {
            header.Node("key")!.Error($"'{name}' is set by the proxy itself and cannot be added");
            return null;
        }
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            header.Node("value")!.Error("a header value cannot hold CR, LF or NUL");
            return null;
        }
        // Envoy drops additions whose value is empty unless keep_empty_value says otherwise.
        return value.Length == 0 && !keepEmpty ? null : new HeaderAddition(name, value, action);
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}

/// <summary>Envoy's <c>HeaderValueOption.HeaderAppendAction</c>.</summary>
internal enum HeaderAppendAction
{
    /// <summary>Add another field, keeping any of the same name (Envoy's default).</summary>
    AppendIfExistsOrAdd,

    /// <summary>Add only when there is no field of that name.</summary>
    AddIfAbsent,

    /// <summary>Replace the fields of that name, or add one.</summary>
    OverwriteIfExistsOrAdd,

    /// <summary>Replace the fields of that name; add nothing when there is none.</summary>
    OverwriteIfExists,
}
