using System.Text;
using Junction.Configuration;

namespace Junction.Http.Routing;

internal sealed partial class RouteTableBinder
{
    private static readonly string[] UnsupportedRouteFields =
    [
        "metadata", "decorator", "tracing", "per_request_buffer_limit_bytes", "request_body_buffer_limit", "stat_prefix",
        "filter_action", "non_forwarding_action",
    ];

    private static readonly string[] UnsupportedMatchFields =
    [
        "connect_matcher", "grpc", "runtime_fraction", "tls_context", "dynamic_metadata", "filter_state", "path_match_policy",
    ];

    private static readonly string[] PathSpecifiers = ["prefix", "path", "safe_regex", "path_separated_prefix"];

    private static readonly string[] HeaderMatchSpecifiers =
    [
        "string_match", "present_match", "exact_match", "prefix_match", "suffix_match", "contains_match", "safe_regex_match", "range_match",
    ];

    // Stands in for a path specifier that had an error, so the rest of the route is still checked;
    // the table is discarded anyway.
    private static readonly PathMatcher PlaceholderPath = new(PathMatchKind.Prefix, "/", "/"u8.ToArray(), caseSensitive: true);

    private RouteEntry? BindRoute(ConfigMap map, VirtualHost host, HeaderMutations hostMutations, HeaderMutations tableMutations)
    {
        var name = map.String("name");
        var match = map.Map("match", required: true);
        PathMatcher? path = null;
        HeaderMatcher[] headers = [];
        QueryParameterMatcher[] queryParameters = [];
        if (match is not null) (path, headers, queryParameters) = BindMatch(match);

        var routeMutations = BindHeaderMutations(map);
        var mutations = HeaderMutations.Join(_mostSpecificWins, routeMutations, hostMutations, tableMutations);
        var perFilterConfig = BindPerFilterConfig(map);

        var actionRequired = !map.Has("filter_action") && !map.Has("non_forwarding_action");
        var actionKey = OneOf(map, actionRequired, "route", "redirect", "direct_response");
        RouteAction? route = null;
        RedirectAction? redirect = null;
        DirectResponseAction? directResponse = null;
        var actionKind = RouteActionKind.Route;
        switch (actionKey)
        {
            case "route" when map.Map("route", required: true) is { } action:
                route = BindRouteAction(action, path ?? PlaceholderPath);
                break;
            case "redirect" when map.Map("redirect", required: true) is { } action:
                actionKind = RouteActionKind.Redirect;
                redirect = BindRedirect(action, path ?? PlaceholderPath);
                break;
            case "direct_response" when map.Map("direct_response", required: true) is { } action:
                actionKind = RouteActionKind.DirectResponse;
                directResponse = BindDirectResponse(action);
                break;
        }
        foreach (var field in UnsupportedRouteFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (path is null || (route is null && redirect is null && directResponse is null)) return null;
        return new RouteEntry(name, host, path, headers, queryParameters, actionKind, route, redirect, directResponse, mutations, perFilterConfig);
    }

    private static (PathMatcher? Path, HeaderMatcher[] Headers, QueryParameterMatcher[] QueryParameters) BindMatch(ConfigMap match)
    {
        var caseSensitive = match.Bool("case_sensitive", true);
        var pathRequired = !match.Has("connect_matcher") && !match.Has("path_match_policy");
        PathMatcher? path = OneOf(match, pathRequired, PathSpecifiers) switch
        {
            "prefix" when match.String("prefix", required: true) is { } prefix =>
                new PathMatcher(PathMatchKind.Prefix, prefix, Encoding.UTF8.GetBytes(prefix), caseSensitive),
            "path" when match.String("path", required: true) is { } exact =>
                new PathMatcher(PathMatchKind.Path, exact, Encoding.UTF8.GetBytes(exact), caseSensitive),
            "path_separated_prefix" => BindPathSeparatedPrefix(match, caseSensitive),
            "safe_regex" when BindRegexMatcher(match.Map("safe_regex", required: true)) is { } regex => new PathMatcher(regex),
            _ => null,
        };

        var headers = new List<HeaderMatcher>();
        foreach (var header in match.Maps("headers"))
        {
            if (BindHeaderMatcher(header) is { } matcher) headers.Add(matcher);
        }
        var queryParameters = new List<QueryParameterMatcher>();
        foreach (var parameter in match.Maps("query_parameters"))
        {
            if (BindQueryParameterMatcher(parameter) is { } matcher) queryParameters.Add(matcher);
        }
        foreach (var field in UnsupportedMatchFields) match.Unsupported(field);
        match.RejectUnknownFields();
        return (path, [.. headers], [.. queryParameters]);
    }

    private static PathMatcher? BindPathSeparatedPrefix(ConfigMap match, bool caseSensitive)
    {
        var prefix = match.String("path_separated_prefix", required: true);
        if (prefix is null) return null;
        // Envoy's rule (^[^?#]+[^?#/]$): the matcher adds the separator itself.
        if (prefix.Length == 0 || prefix.AsSpan().ContainsAny('?', '#') || prefix.EndsWith('/'))
        {
            match.Node("path_separated_prefix")!.Error("path_separated_prefix must be non-empty, without '?' or '#', and must not end with '/'");
            return null;
        }
        return new PathMatcher(PathMatchKind.PathSeparatedPrefix, prefix, Encoding.UTF8.GetBytes(prefix), caseSensitive);
    }

    private static HeaderMatcher? BindHeaderMatcher(ConfigMap map)
    {
        var name = map.String("name", required: true);
        var invert = map.Bool("invert_match", false);
        var treatMissingAsEmpty = map.Bool("treat_missing_header_as_empty", false);
        map.Unsupported("range_match");

        StringMatcher? matcher = null;
        var present = true;
        var valid = true;
        switch (OneOf(map, required: false, HeaderMatchSpecifiers))
        {
            case "string_match":
                matcher = BindStringMatcher(map.Map("string_match", required: true));
                valid = matcher is not null;
                break;
            case "present_match":
                present = map.Bool("present_match", true);
                break;
            case "exact_match":
                // Envoy's deprecated exact_match matches any value when empty.
                var exact = map.String("exact_match") ?? "";
                matcher = new StringMatcher(exact.Length == 0 ? StringMatchKind.Prefix : StringMatchKind.Exact, Encoding.UTF8.GetBytes(exact), ignoreCase: false);
                break;
            case "prefix_match":
                matcher = DeprecatedLiteral(map, "prefix_match", StringMatchKind.Prefix);
                valid = matcher is not null;
                break;
            case "suffix_match":
                matcher = DeprecatedLiteral(map, "suffix_match", StringMatchKind.Suffix);
                valid = matcher is not null;
                break;
            case "contains_match":
                matcher = DeprecatedLiteral(map, "contains_match", StringMatchKind.Contains);
                valid = matcher is not null;
                break;
            case "safe_regex_match":
                var regex = BindRegexMatcher(map.Map("safe_regex_match", required: true));
                matcher = regex is null ? null : new StringMatcher(regex);
                valid = regex is not null;
                break;
            case "range_match":
                valid = false;
                break;
        }
        map.RejectUnknownFields();
        if (name is null) return null;

        var lower = name.ToLowerInvariant();
        var source = HeaderSource.Field;
        switch (lower)
        {
            case ":method":
                source = HeaderSource.Method;
                break;
            case ":authority" or "host":
                source = HeaderSource.Authority;
                break;
            case ":path":
                map.Node("name")!.Error("matching ':path' as a header is not supported; use the route's prefix, path or safe_regex");
                return null;
            default:
                if (!IsToken(lower.StartsWith(':') ? lower[1..] : lower))
                {
                    map.Node("name")!.Error($"'{name}' is not a valid header name");
                    return null;
                }
                break;
        }
        return valid ? new HeaderMatcher(lower, source, matcher, present, invert, treatMissingAsEmpty) : null;
    }

    private static StringMatcher? DeprecatedLiteral(ConfigMap map, string key, StringMatchKind kind)
    {
        var value = map.String(key, required: true);
        if (value is null) return null;
        if (value.Length == 0)
        {
            map.Node(key)!.Error($"{key} must not be empty");
            return null;
        }
        return new StringMatcher(kind, Encoding.UTF8.GetBytes(value), ignoreCase: false);
    }

    private static QueryParameterMatcher? BindQueryParameterMatcher(ConfigMap map)
    {
        var name = map.String("name", required: true);
        if (name is { Length: 0 }) map.Node("name")!.Error("name must not be empty");

        StringMatcher? matcher = null;
        var present = true;
        var valid = true;
        switch (OneOf(map, required: false, "string_match", "present_match"))
        {
            case "string_match":
                matcher = BindStringMatcher(map.Map("string_match", required: true));
                valid = matcher is not null;
                break;
            case "present_match":
                present = map.Bool("present_match", true);
                break;
        }
        map.RejectUnknownFields();
        if (name is not { Length: > 0 } || !valid) return null;
        return new QueryParameterMatcher(name, Encoding.UTF8.GetBytes(name), matcher, present);
    }
}
