using Junction.Http.Http1;

namespace Junction.Host.Admin;

/// <summary>One admin request as the handlers see it: method, path and query parameters (the body is discarded).</summary>
internal sealed class AdminRequest
{
    public AdminRequest(Http1Method method, string methodName, string path, IReadOnlyDictionary<string, string> query)
    {
        Method = method;
        MethodName = methodName;
        Path = path;
        Query = query;
    }

    public Http1Method Method { get; }

    /// <summary>The method as sent (for messages about custom methods).</summary>
    public string MethodName { get; }

    /// <summary>The path of the target, before any <c>?</c>, not decoded.</summary>
    public string Path { get; }

    /// <summary>The query parameters, decoded (<c>+</c> is a space); for a repeated name, the last value.</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>
    /// Splits an origin-form target (<c>/stats?filter=a&amp;format=json</c>) into a request. Null when
    /// the target is not origin-form (does not start with <c>/</c>).
    /// </summary>
    public static AdminRequest? Parse(Http1Method method, string methodName, string target)
    {
        if (target.Length == 0 || target[0] != '/') return null;
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in target[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Decode(equals < 0 ? pair : pair[..equals]);
                query[name] = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            }
        }
        return new AdminRequest(method, methodName, path, query);
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
