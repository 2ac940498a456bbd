using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>One configured HTTP filter: its <c>name</c> (per-route configuration refers to it) and provider.</summary>
internal sealed record ConfiguredHttpFilter(string Name, IHttpFilterFactory Factory, IHttpFilterProvider Provider);

/// <summary>A connection manager's HTTP filters (before the router) and the limit on what they may buffer.</summary>
internal sealed class HttpFilterChainConfig(IReadOnlyList<ConfiguredHttpFilter> filters, int bufferLimit)
{
    public static readonly HttpFilterChainConfig Empty = new([], 0);

    public IReadOnlyList<ConfiguredHttpFilter> Filters { get; } = filters;

    /// <summary>How many body bytes a stream's filters may hold per direction (the listener's buffer limit).</summary>
    public int BufferLimit { get; } = bufferLimit;

    public bool IsEmpty => Filters.Count == 0;

    /// <summary>The position of the filter named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Filters.Count; i++)
        {
            if (Filters[i].Name == name) return i;
        }
        return -1;
    }
}
