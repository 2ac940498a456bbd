using System.Text;
using Junction.Configuration;

namespace Junction.Http.Routing;

internal sealed partial class RouteTableBinder
{
    /// <summary>The four header fields of one level (route configuration, virtual host, route, weighted cluster).</summary>
    private static HeaderMutations BindHeaderMutations(ConfigMap map)
    {
        var request = BindLevel(map, "request_headers_to_add", "request_headers_to_remove");
        var response = BindLevel(map, "response_headers_to_add", "response_headers_to_remove");
        return request.Length == 0 && response.Length == 0 ? HeaderMutations.None : new HeaderMutations(request, response);
    }

    private static HeaderMutation[] BindLevel(ConfigMap map, string addKey, string removeKey)
    {
        var result = new List<HeaderMutation>();
        // Envoy removes before it adds within a level.
        foreach (var node in map.Sequence(removeKey)?.Items ?? [])
        {
            if (node is not ConfigScalar { IsNull: false } scalar)
            {
                node.Error("expected a header name");
                continue;
            }
            if (ModifiableName(scalar.Value, scalar) is { } name) result.Add(HeaderMutation.Remove(name));
        }
        foreach (var option in map.Maps(addKey))
        {
            if (BindHeaderValueOption(option) is { } add) result.Add(add);
        }
        return [.. result];
    }

    /// <summary>An Envoy <c>HeaderValueOption</c>; null after an error, or when Envoy would add nothing (an empty value without <c>keep_empty_value</c>).</summary>
    private static HeaderMutation? BindHeaderValueOption(ConfigMap option)
    {
        string? name = null;
        byte[]? value = null;
        if (option.Map("header", required: true) is { } header)
        {
            var key = header.String("key", required: true);
            var text = header.String("value") ?? "";
            header.Unsupported("raw_value");
            header.RejectUnknownFields();
            if (key is not null) name = ModifiableName(key, header.Node("key")!);
            value = LiteralValue(text, header.Node("value") ?? header);
        }

        HeaderAppendAction appendAction;
        if (option.Has("append"))
        {
            if (option.Has("append_action")) option.Node("append_action")!.Error("set either append (deprecated) or append_action, not both");
            appendAction = option.Bool("append", true) ? HeaderAppendAction.AppendIfExistsOrAdd : HeaderAppendAction.OverwriteIfExistsOrAdd;
        }
        else
        {
            appendAction = option.Choice("append_action", HeaderAppendAction.AppendIfExistsOrAdd,
                ("APPEND_IF_EXISTS_OR_ADD", HeaderAppendAction.AppendIfExistsOrAdd),
                ("ADD_IF_ABSENT", HeaderAppendAction.AddIfAbsent),
                ("OVERWRITE_IF_EXISTS_OR_ADD", HeaderAppendAction.OverwriteIfExistsOrAdd),
                ("OVERWRITE_IF_EXISTS", HeaderAppendAction.OverwriteIfExists));
        }
        var keepEmptyValue = option.Bool("keep_empty_value", false);
        option.RejectUnknownFields();

        if (name is null || value is null) return null;
        // Envoy skips an add whose value is empty unless keep_empty_value; values are literals here,
        // so that is known now.
        if (value.Length == 0 && !keepEmptyValue) return null;
        return HeaderMutation.Add(name, value, appendAction);
    }

    /// <summary>
    /// A header name that routes may add or remove, lower-cased; null after an error. Like Envoy,
    /// pseudo-headers and <c>host</c> are refused (the Host is changed with <c>host_rewrite_literal</c>).
    /// </summary>
    private static string? ModifiableName(string name, ConfigNode node)
    {
        if (name.StartsWith(':'))
        {
            node.Error($"'{name}': pseudo-headers cannot be added or removed");
            return null;
        }
        if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
        {
            node.Error("'host' cannot be added or removed (use host_rewrite_literal to change it)");
            return null;
        }
        if (!IsToken(name))
        {
            node.Error($"'{name}' is not a valid header name");
            return null;
        }
        return name.ToLowerInvariant();
    }

    /// <summary>
    /// A header value as bytes. Envoy would expand <c>%OPERATOR%</c> formatters in it; Junction does
    /// not yet, so any <c>%</c> other than the escape <c>%%</c> (a literal <c>%</c>) is an error rather
    /// than a value that silently means something else. Null after an error.
    /// </summary>
    private static byte[]? LiteralValue(string text, ConfigNode node)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            node.Error("a header value must not contain CR, LF or NUL");
            return null;
        }
        if (!text.Contains('%', StringComparison.Ordinal)) return Encoding.UTF8.GetBytes(text);
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                builder.Append(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == '%')
            {
                builder.Append('%');
                i++;
            }
            else
            {
                node.Error("header value formatters are not supported yet (write a literal '%' as '%%')");
                return null;
            }
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
