namespace Junction.HttpFilters;

/// <summary>
/// The header fields of a request, a response, or trailers, as a filter sees them. Names and values are
/// bytes as they arrived (names compare case-insensitively); strings are made only when asked for.
/// Hop-by-hop fields (Connection and what it names, Keep-Alive, Transfer-Encoding, TE, Upgrade, …) and
/// message framing are the proxy's business: filters do not see them and cannot set them.
/// </summary>
/// <remarks>
/// A view is valid only during the filter callback it was passed to (and, for request headers, until
/// the stream ends through <see cref="IHttpFilterCallbacks.RequestHeaders"/>). Values set by a filter
/// are checked: a name must be an RFC 9110 token and a value must not hold CR, LF or NUL, so a filter
/// cannot split a message; a bad one throws <see cref="ArgumentException"/>.
/// </remarks>
public interface IHttpHeaderMap
{
    /// <summary>How many fields there are.</summary>
    int Count { get; }

    /// <summary>The name of field <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>), as sent.</summary>
    ReadOnlySpan<byte> NameAt(int index);

    /// <summary>The value of field <paramref name="index"/>.</summary>
    ReadOnlySpan<byte> ValueAt(int index);

    /// <summary>The first field named <paramref name="name"/> (ASCII, any case); false when there is none.</summary>
    bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>The first value of <paramref name="name"/> as a string, or null. Allocates.</summary>
    string? Get(string name);

    /// <summary>Replaces every field named <paramref name="name"/> with one holding <paramref name="value"/>.</summary>
    void Set(string name, string value);

    /// <summary>Adds a field, keeping any of the same name.</summary>
    void Add(string name, string value);

    /// <summary>Removes every field named <paramref name="name"/>; false when there was none.</summary>
    bool Remove(string name);
}

/// <summary>Request headers: the fields plus the request line.</summary>
public interface IHttpRequestHeaders : IHttpHeaderMap
{
    /// <summary>The method, e.g. <c>GET</c>.</summary>
    string Method { get; }

    /// <summary>
    /// The request target (path and query) as it will be routed and sent upstream. Setting it changes
    /// both; call <see cref="IHttpFilterCallbacks.ClearRouteCache"/> so the route is chosen again.
    /// </summary>
    string Path { get; set; }

    /// <summary>The authority (Host), or null.</summary>
    string? Authority { get; }
}

/// <summary>Response headers: the fields plus the status.</summary>
public interface IHttpResponseHeaders : IHttpHeaderMap
{
    /// <summary>The status code; setting it also sets the standard reason phrase.</summary>
    int Status { get; set; }
}
