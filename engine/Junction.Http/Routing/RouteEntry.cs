using Junction.Configuration;

namespace Junction.Http.Routing;

/// <summary>
/// One compiled route of a virtual host: what it matches and what it does. Immutable; shared by
/// every request of the configuration it belongs to.
/// </summary>
internal sealed class RouteEntry
{
    private readonly HeaderMatcher[] _headers;
    private readonly QueryParameterMatcher[] _queryParameters;
    private readonly IReadOnlyDictionary<string, ConfigMap> _perFilterConfig;

    /// <summary>Creates a route; exactly one of the three actions is set, the one <paramref name="actionKind"/> names.</summary>
    public RouteEntry(
        string? name,
        VirtualHost virtualHost,
        PathMatcher path,
        HeaderMatcher[] headers,
        QueryParameterMatcher[] queryParameters,
        RouteActionKind actionKind,
        RouteAction? route,
        RedirectAction? redirect,
        DirectResponseAction? directResponse,
        HeaderMutations mutations,
        IReadOnlyDictionary<string, ConfigMap> perFilterConfig)
    {
        Name = name;
        VirtualHost = virtualHost;
        Path = path;
        _headers = headers;
        _queryParameters = queryParameters;
        ActionKind = actionKind;
        Route = route;
        Redirect = redirect;
        DirectResponse = directResponse;
        RequestHeaderMutations = Array.AsReadOnly(mutations.Request);
        ResponseHeaderMutations = Array.AsReadOnly(mutations.Response);
        _perFilterConfig = perFilterConfig;
    }

    /// <summary>The route's <c>name</c> (for <c>%ROUTE_NAME%</c>); null when not configured.</summary>
    public string? Name { get; }

    /// <summary>The virtual host the route belongs to.</summary>
    public VirtualHost VirtualHost { get; }

    /// <summary>The path part of the match.</summary>
    public PathMatcher Path { get; }

    /// <summary>The header matchers; all must match.</summary>
    public IReadOnlyList<HeaderMatcher> Headers => _headers;

    /// <summary>The query parameter matchers; all must match.</summary>
    public IReadOnlyList<QueryParameterMatcher> QueryParameters => _queryParameters;

    /// <summary>Which action is configured.</summary>
    public RouteActionKind ActionKind { get; }

    /// <summary>The forwarding action, when <see cref="ActionKind"/> is <see cref="RouteActionKind.Route"/>.</summary>
    public RouteAction? Route { get; }

    /// <summary>The redirect, when <see cref="ActionKind"/> is <see cref="RouteActionKind.Redirect"/>.</summary>
    public RedirectAction? Redirect { get; }

    /// <summary>The fixed response, when <see cref="ActionKind"/> is <see cref="RouteActionKind.DirectResponse"/>.</summary>
    public DirectResponseAction? DirectResponse { get; }

    /// <summary>
    /// The request header changes of this route, its virtual host and the route configuration, in the
    /// order to apply them: route, virtual host, route configuration (the least specific has the last
    /// word), or the reverse with <c>most_specific_header_mutations_wins: true</c>. Within a level,
    /// removals come before additions. A chosen weighted cluster may add its own changes
    /// (<see cref="RouteCluster.RequestHeaderMutations"/>), which Envoy applies before this list.
    /// </summary>
    public IReadOnlyList<HeaderMutation> RequestHeaderMutations { get; }

    /// <summary>The response header changes, in the order to apply them (as <see cref="RequestHeaderMutations"/>).</summary>
    public IReadOnlyList<HeaderMutation> ResponseHeaderMutations { get; }

    /// <summary>
    /// The bound per-route configuration of each HTTP filter of the connection manager, by the filter's
    /// position (null where the route and its virtual host have none); set once, after binding.
    /// </summary>
    public object?[]? FilterConfigs { get; internal set; }

    /// <summary>The keys of the route's own <c>typed_per_filter_config</c>.</summary>
    public IEnumerable<KeyValuePair<string, ConfigMap>> OwnPerFilterConfig => _perFilterConfig;

    /// <summary>
    /// The raw <c>typed_per_filter_config</c> entry for <paramref name="filterName"/>: the route's when
    /// it has one, else its virtual host's; null when neither has. The filter binds (and validates) it.
    /// </summary>
    public ConfigMap? PerFilterConfig(string filterName) =>
        _perFilterConfig.TryGetValue(filterName, out var config) ? config : VirtualHost.PerFilterConfig(filterName);

    /// <summary>True when the request matches: path, then every header matcher, then every query parameter matcher.</summary>
    public bool Matches<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
    {
        if (!Path.IsMatch(request.Path)) return false;
        foreach (var header in _headers)
        {
            if (!header.Matches(ref request)) return false;
        }
        if (_queryParameters.Length == 0) return true;
        var query = request.Query;
        foreach (var parameter in _queryParameters)
        {
            if (!parameter.Matches(query)) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Name ?? $"{Path.Kind} {Path.Text}";
}
