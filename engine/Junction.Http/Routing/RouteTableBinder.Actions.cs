using System.Text;
using Junction.Configuration;

namespace Junction.Http.Routing;

internal sealed partial class RouteTableBinder
{
    private static readonly TimeSpan DefaultRouteTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] UnsupportedRouteActionFields =
    [
        "retry_policy_typed_config", "rate_limits",
        "include_vh_rate_limits", "cors", "cluster_not_found_response_code", "metadata_match",
        "hedge_policy", "internal_redirect_policy", "internal_redirect_action", "max_internal_redirects",
        "max_grpc_timeout", "grpc_timeout_offset", "early_data_policy", "path_rewrite_policy", "host_rewrite_header",
        "host_rewrite_path_regex", "append_x_forwarded_host", "cluster_specifier_plugin", "inline_cluster_specifier_plugin",
    ];

    private static readonly string[] UnsupportedWeightedClustersFields = ["runtime_key_prefix", "header_name", "use_hash_policy"];

    private static readonly string[] UnsupportedClusterWeightFields = ["cluster_header", "metadata_match", "typed_per_filter_config", "host_rewrite_literal"];

    private RouteAction? BindRouteAction(ConfigMap map, PathMatcher path)
    {
        var specifierRequired = !map.Has("cluster_specifier_plugin") && !map.Has("inline_cluster_specifier_plugin");
        var specifier = OneOf(map, specifierRequired, "cluster", "weighted_clusters", "cluster_header");
        RouteCluster[]? clusters = null;
        string? clusterHeader = null;
        var kind = ClusterSpecifierKind.Cluster;
        switch (specifier)
        {
            case "cluster":
                var name = map.String("cluster", required: true);
                if (name is not null && CheckCluster(name, map.Node("cluster")!))
                {
                    clusters = [new RouteCluster(name, 1, HeaderMutations.None)];
                }
                break;
            case "weighted_clusters":
                kind = ClusterSpecifierKind.WeightedClusters;
                clusters = BindWeightedClusters(map.Map("weighted_clusters", required: true));
                break;
            case "cluster_header":
                kind = ClusterSpecifierKind.ClusterHeader;
                clusterHeader = map.String("cluster_header", required: true);
                if (clusterHeader is not null && (!IsToken(clusterHeader) || clusterHeader.Equals("host", StringComparison.OrdinalIgnoreCase)))
                {
                    map.Node("cluster_header")!.Error($"'{clusterHeader}' is not a valid header name for cluster_header");
                    clusterHeader = null;
                }
                clusterHeader = clusterHeader?.ToLowerInvariant();
                clusters = clusterHeader is null ? null : [];
                break;
        }

        var rewrite = BindPathRewrite(map, path, allowPathRedirect: false);

        string? hostRewrite = null;
        var autoHostRewrite = false;
        switch (OneOf(map, required: false, "host_rewrite_literal", "auto_host_rewrite"))
        {
            case "host_rewrite_literal":
                hostRewrite = AsciiField(map, "host_rewrite_literal");
                break;
            case "auto_host_rewrite":
                autoHostRewrite = map.Bool("auto_host_rewrite", false);
                break;
        }

        // Envoy: 15 s unless set; 0 disables the timeout.
        var timeout = map.Duration("timeout") ?? DefaultRouteTimeout;
        var idleTimeout = map.Duration("idle_timeout");
        var hashPolicies = BindHashPolicies(map);
        var maxStreamDuration = map.Map("max_stream_duration") is { } durationMap ? BindMaxStreamDuration(durationMap) : null;
        var fallback = map.Map("junction_fallback") is { } fallbackMap ? BindFallback(fallbackMap) : null;
        var mirrors = BindMirrorPolicies(map);
        var retryPolicy = BindRetryPolicy(map);
        // Which of the cluster's circuit breaker sets (and connection pools) the route's requests use.
        var priority = map.Choice("priority", Junction.Upstream.RoutingPriority.Default,
            ("DEFAULT", Junction.Upstream.RoutingPriority.Default), ("HIGH", Junction.Upstream.RoutingPriority.High));
        map.Unsupported("upgrade_configs", "per-route upgrade settings are not implemented yet");
        foreach (var field in UnsupportedRouteActionFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (clusters is null) return null;
        return new RouteAction(kind, clusters, clusterHeader, rewrite, hostRewrite, autoHostRewrite,
            timeout == TimeSpan.Zero ? null : timeout, idleTimeout)
        {
            HashPolicies = hashPolicies,
            MaxStreamDuration = maxStreamDuration,
            Fallback = fallback,
            MirrorPolicies = mirrors,
            RetryPolicy = retryPolicy,
            Priority = priority,
        };
    }

    /// <summary>
    /// <c>request_mirror_policies</c>: <c>cluster</c>, <c>runtime_fraction.default_value</c> (the runtime key
    /// is accepted; Junction has no runtime overrides for it) and <c>disable_shadow_host_suffix_append</c>.
    /// </summary>
    private RouteMirrorPolicy[]? BindMirrorPolicies(ConfigMap action)
    {
        var entries = action.Maps("request_mirror_policies");
        if (entries.Count == 0) return null;
        var policies = new List<RouteMirrorPolicy>();
        foreach (var entry in entries)
        {
            var name = entry.String("cluster", required: true);
            int numerator = 100, denominator = 100;
            if (entry.Map("runtime_fraction") is { } fraction)
            {
                fraction.String("runtime_key");
                if (fraction.Map("default_value", required: true) is { } value)
                {
                    denominator = value.Choice("denominator", 100, ("HUNDRED", 100), ("TEN_THOUSAND", 10_000), ("MILLION", 1_000_000));
                    numerator = value.Int32("numerator", 0, min: 0);
                    value.RejectUnknownFields();
                }
                fraction.RejectUnknownFields();
            }
            var appendSuffix = !entry.Bool("disable_shadow_host_suffix_append", false);
            entry.Unsupported("cluster_header", "name the mirror cluster with cluster");
            entry.Unsupported("trace_sampled");
            entry.Unsupported("request_headers_mutations");
            entry.RejectUnknownFields();
            if (name is not null && CheckCluster(name, entry.Node("cluster")!))
            {
                policies.Add(new RouteMirrorPolicy(name, numerator, denominator, appendSuffix));
            }
        }
        return policies.ToArray();
    }

    /// <summary>
    /// <c>junction_fallback</c>, Junction's own field (prefixed so it can never meet a future Envoy field):
    /// exactly one of <c>cluster</c> and <c>direct_response</c> (Envoy's <c>DirectResponseAction</c>).
    /// </summary>
    private RouteFallback? BindFallback(ConfigMap map)
    {
        RouteFallback? fallback = null;
        switch (OneOf(map, required: true, "cluster", "direct_response"))
        {
            case "cluster":
                var name = map.String("cluster", required: true);
                if (name is not null && CheckCluster(name, map.Node("cluster")!)) fallback = RouteFallback.ToCluster(name);
                break;
            case "direct_response":
                if (map.Map("direct_response", required: true) is { } response && BindDirectResponse(response) is { } action)
                {
                    fallback = RouteFallback.ToDirectResponse(action);
                }
                break;
        }
        map.RejectUnknownFields();
        return fallback;
    }

    /// <summary>
    /// <c>hash_policy</c>: header, cookie (without ttl: Junction does not generate cookies),
    /// connection_properties.source_ip and query_parameter, each optionally terminal.
    /// </summary>
    private static HashPolicy[] BindHashPolicies(ConfigMap action)
    {
        var result = new List<HashPolicy>();
        foreach (var entry in action.Maps("hash_policy"))
        {
            var terminal = entry.Bool("terminal", false);
            entry.Unsupported("filter_state");
            var kind = OneOf(entry, required: true, "header", "cookie", "connection_properties", "query_parameter");
            HashPolicy? policy = null;
            switch (kind)
            {
                case "header":
                    var header = entry.Map("header")!;
                    var headerName = header.String("header_name", required: true);
                    header.Unsupported("regex_rewrite");
                    header.RejectUnknownFields();
                    if (headerName is not null && (!IsToken(headerName) || headerName.StartsWith(':')))
                    {
                        header.Node("header_name")!.Error($"'{headerName}' is not a valid header name");
                    }
                    else if (headerName is not null)
                    {
                        policy = new HashPolicy(HashPolicyKind.Header, Encoding.ASCII.GetBytes(headerName.ToLowerInvariant()), terminal);
                    }
                    break;
                case "cookie":
                    var cookie = entry.Map("cookie")!;
                    var cookieName = cookie.String("name", required: true);
                    cookie.Unsupported("ttl", "Junction does not generate hash cookies");
                    cookie.Unsupported("path", "it applies only to generated cookies (ttl)");
                    cookie.Unsupported("attributes", "they apply only to generated cookies (ttl)");
                    cookie.RejectUnknownFields();
                    if (cookieName is { Length: > 0 } && IsToken(cookieName))
                    {
                        policy = new HashPolicy(HashPolicyKind.Cookie, Encoding.ASCII.GetBytes(cookieName), terminal);
                    }
                    else if (cookieName is not null)
                    {
                        cookie.Node("name")!.Error($"'{cookieName}' is not a valid cookie name");
                    }
                    break;
                case "connection_properties":
                    var properties = entry.Map("connection_properties")!;
                    var sourceIp = properties.Bool("source_ip", false);
                    properties.RejectUnknownFields();
                    // Envoy hashes the source address only when source_ip is true.
                    if (sourceIp) policy = new HashPolicy(HashPolicyKind.SourceIp, [], terminal);
                    break;
                case "query_parameter":
                    var query = entry.Map("query_parameter")!;
                    var parameter = query.String("name", required: true);
                    query.RejectUnknownFields();
                    if (parameter is { Length: > 0 }) policy = new HashPolicy(HashPolicyKind.QueryParameter, Encoding.UTF8.GetBytes(parameter), terminal);
                    else if (parameter is not null) query.Node("name")!.Error("name must not be empty");
                    break;
            }
            entry.RejectUnknownFields();
            if (policy is not null) result.Add(policy);
        }
        return result.ToArray();
    }

    private RouteCluster[]? BindWeightedClusters(ConfigMap? map)
    {
        if (map is null) return null;
        var entries = map.Sequence("clusters", required: true);
        if (entries is { Count: 0 }) entries.Error("weighted_clusters needs at least one cluster");

        var clusters = new List<RouteCluster>();
        var valid = entries is { Count: > 0 };
        long sum = 0;
        foreach (var entry in entries?.Maps() ?? [])
        {
            var name = entry.String("name", required: true);
            var weight = entry.Int64("weight", 0, 0, uint.MaxValue);
            sum += weight;
            var entryMutations = BindHeaderMutations(entry);
            foreach (var field in UnsupportedClusterWeightFields) entry.Unsupported(field);
            entry.RejectUnknownFields();
            if (name is null || !CheckCluster(name, entry.Node("name")!))
            {
                valid = false;
                continue;
            }
            clusters.Add(new RouteCluster(name, weight, entryMutations));
        }

        if (map.Has("total_weight"))
        {
            // Deprecated in Envoy; when given it must be the sum of the weights.
            var total = map.Int64("total_weight", sum, 1, uint.MaxValue);
            if (total != sum)
            {
                map.Node("total_weight")!.Error($"total_weight is {total} but the cluster weights add up to {sum}");
                valid = false;
            }
        }
        else if (sum == 0 && entries is { Count: > 0 })
        {
            map.Node("clusters")!.Error("the cluster weights must add up to more than 0");
            valid = false;
        }
        foreach (var field in UnsupportedWeightedClustersFields) map.Unsupported(field);
        map.RejectUnknownFields();
        return valid ? [.. clusters] : null;
    }

    private bool CheckCluster(string name, ConfigNode node)
    {
        if (!_validateClusters || _clusterExists(name)) return true;
        node.Error($"unknown cluster '{name}'");
        return false;
    }

    /// <summary>
    /// Binds <c>prefix_rewrite</c> / <c>regex_rewrite</c> (and, for a redirect, <c>path_redirect</c>,
    /// which the caller reads), at most one of them.
    /// </summary>
    private static PathRewrite? BindPathRewrite(ConfigMap map, PathMatcher path, bool allowPathRedirect)
    {
        var key = allowPathRedirect
            ? OneOf(map, required: false, "path_redirect", "prefix_rewrite", "regex_rewrite")
            : OneOf(map, required: false, "prefix_rewrite", "regex_rewrite");
        switch (key)
        {
            case "prefix_rewrite":
                return AsciiField(map, "prefix_rewrite", allowEmpty: true) is { } prefix ? PathRewrite.ForPrefix(path, prefix) : null;
            case "regex_rewrite" when map.Map("regex_rewrite", required: true) is { } regexRewrite:
                var pattern = regexRewrite.Map("pattern", required: true);
                var regex = pattern is null ? null : BindRegex(pattern, anchored: false);
                var substitution = regexRewrite.String("substitution", required: true);
                regexRewrite.RejectUnknownFields();
                if (regex is null || substitution is null) return null;
                var translated = TranslateSubstitution(substitution, regex.GetGroupNumbers().Max(), regexRewrite.Node("substitution")!);
                return translated is null ? null : PathRewrite.ForRegex(path, regex, translated);
            default:
                return null;
        }
    }

    /// <summary>
    /// Turns an RE2 substitution (<c>\1</c> for a group, <c>\\</c> for a backslash) into .NET's
    /// (<c>${1}</c>, and <c>$$</c> for a literal <c>$</c>); null after an error.
    /// </summary>
    private static string? TranslateSubstitution(string substitution, int maxGroup, ConfigNode node)
    {
        var builder = new StringBuilder(substitution.Length + 8);
        for (var i = 0; i < substitution.Length; i++)
        {
            var c = substitution[i];
            if (c == '$')
            {
                builder.Append("$$");
            }
            else if (c != '\\')
            {
                builder.Append(c);
            }
            else if (i + 1 < substitution.Length && substitution[i + 1] == '\\')
            {
                builder.Append('\\');
                i++;
            }
            else if (i + 1 < substitution.Length && char.IsAsciiDigit(substitution[i + 1]))
            {
                var group = substitution[++i] - '0';
                if (group > maxGroup)
                {
                    node.Error($"substitution refers to group \\{group} but the pattern has {maxGroup} group(s)");
                    return null;
                }
                builder.Append("${").Append(group).Append('}');
            }
            else
            {
                node.Error("in a substitution '\\' must be followed by a group digit or another '\\'");
                return null;
            }
        }
        return builder.ToString();
    }

    private static RedirectAction? BindRedirect(ConfigMap map, PathMatcher path)
    {
        string? scheme = null;
        switch (OneOf(map, required: false, "https_redirect", "scheme_redirect"))
        {
            case "https_redirect":
                scheme = map.Bool("https_redirect", false) ? "https" : null;
                break;
            case "scheme_redirect":
                scheme = AsciiField(map, "scheme_redirect")?.ToLowerInvariant();
                if (scheme is not null && (!char.IsAsciiLetter(scheme[0]) || scheme.AsSpan().ContainsAnyExcept(SchemeCharacters)))
                {
                    map.Node("scheme_redirect")!.Error($"'{scheme}' is not a valid URI scheme");
                    scheme = null;
                }
                break;
        }
        var host = AsciiField(map, "host_redirect");
        var port = map.Int32("port_redirect", 0, 0, 65535);
        var rewrite = BindPathRewrite(map, path, allowPathRedirect: true);
        var pathRedirect = AsciiField(map, "path_redirect", allowEmpty: true);
        var responseCode = map.Choice("response_code", 301,
            ("MOVED_PERMANENTLY", 301), ("FOUND", 302), ("SEE_OTHER", 303), ("TEMPORARY_REDIRECT", 307), ("PERMANENT_REDIRECT", 308));
        var stripQuery = map.Bool("strip_query", false);
        map.RejectUnknownFields();
        return new RedirectAction(scheme, host, port, pathRedirect, rewrite, responseCode, stripQuery);
    }

    private static readonly System.Buffers.SearchValues<char> SchemeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789+-.");

    private DirectResponseAction? BindDirectResponse(ConfigMap map)
    {
        if (!map.Has("status")) map.Error("missing required field 'status'");
        var status = map.Int32("status", 0, 200, 599);
        var body = map.Map("body") is { } source ? BindDataSource(source) : [];
        if (body is not null && body.Length > _maxDirectResponseBodyBytes)
        {
            map.Node("body")!.Error($"the body is {body.Length} bytes, more than max_direct_response_body_size_bytes ({_maxDirectResponseBodyBytes})");
            body = null;
        }
        map.RejectUnknownFields();
        return status == 0 || body is null ? null : new DirectResponseAction(status, body);
    }

    /// <summary>An Envoy <c>DataSource</c>: exactly one of inline_string, inline_bytes (base64), filename (read now).</summary>
    private static byte[]? BindDataSource(ConfigMap source)
    {
        byte[]? result = null;
        switch (OneOf(source, required: !source.Has("environment_variable"), "inline_string", "inline_bytes", "filename"))
        {
            case "inline_string":
                result = Encoding.UTF8.GetBytes(source.String("inline_string") ?? "");
                break;
            case "inline_bytes":
                try
                {
                    result = Convert.FromBase64String(source.String("inline_bytes") ?? "");
                }
                catch (FormatException)
                {
                    source.Node("inline_bytes")!.Error("inline_bytes must be base64");
                }
                break;
            case "filename" when source.String("filename", required: true) is { } file:
                try
                {
                    result = File.ReadAllBytes(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    source.Node("filename")!.Error($"cannot read '{file}': {ex.Message}");
                }
                break;
        }
        source.Unsupported("environment_variable");
        source.RejectUnknownFields();
        return result;
    }

    private static MaxStreamDuration BindMaxStreamDuration(ConfigMap map)
    {
        var result = new MaxStreamDuration(map.Duration("max_stream_duration"), map.Duration("grpc_timeout_header_max"), map.Duration("grpc_timeout_header_offset"));
        map.RejectUnknownFields();
        return result;
    }
}
