using Junction.Configuration;

namespace Junction.Http.Routing;

/// <summary>
/// Binds an Envoy <c>RouteConfiguration</c> (the connection manager's <c>route_config</c>) into a
/// compiled <see cref="RouteTable"/>. Split by concern: this file the configuration and its virtual
/// hosts, <c>.Routes</c> the routes and their matchers, <c>.Actions</c> the three actions,
/// <c>.HeaderMutations</c> the header changes, <c>.Fields</c> the small shared field binders.
/// </summary>
/// <remarks>
/// Like every binder, it never throws for bad configuration: each problem is an error at its node
/// (file, line, column, YAML path), binding goes on so one run reports them all, and every mapping
/// rejects fields nobody read. Envoy fields Junction does not implement are errors that say so.
/// </remarks>
internal sealed partial class RouteTableBinder
{
    private const long DefaultMaxDirectResponseBodyBytes = 4096;

    private static readonly string[] UnsupportedTableFields =
    [
        "vhds", "cluster_specifier_plugins", "request_mirror_policies", "typed_per_filter_config", "metadata",
    ];

    private static readonly string[] UnsupportedVirtualHostFields =
    [
        "require_tls", "virtual_clusters", "rate_limits", "cors", "retry_policy_typed_config",
        "hedge_policy", "include_request_attempt_count", "include_attempt_count_in_response",
        "per_request_buffer_limit_bytes", "request_body_buffer_limit", "request_mirror_policies", "matcher", "metadata",
    ];

    private readonly Func<string, bool> _clusterExists;

    // Every domain seen so far (lower case), across all virtual hosts: Envoy rejects duplicates.
    private readonly Dictionary<string, (VirtualHost Host, ConfigNode Node)> _domains = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, VirtualHost>> _exactDomains = [];
    private readonly List<KeyValuePair<string, VirtualHost>> _suffixDomains = [];
    private readonly List<KeyValuePair<string, VirtualHost>> _prefixDomains = [];
    private VirtualHost? _defaultHost;

    private bool _validateClusters = true;
    private bool _mostSpecificWins;
    private long _maxDirectResponseBodyBytes = DefaultMaxDirectResponseBodyBytes;

    private RouteTableBinder(Func<string, bool> clusterExists) => _clusterExists = clusterExists;

    /// <summary>
    /// Binds and compiles <paramref name="routeConfig"/>. Errors are recorded on its nodes (and so in
    /// its <see cref="ConfigNode.Diagnostics"/>).
    /// </summary>
    /// <param name="routeConfig">The <c>route_config</c> mapping.</param>
    /// <param name="clusterExists">Whether a cluster of the name is configured; used to reject unknown cluster names (unless <c>validate_clusters: false</c>).</param>
    /// <returns>The table, or null when this configuration had any error.</returns>
    public static RouteTable? Bind(ConfigMap routeConfig, Func<string, bool> clusterExists)
    {
        var errorsBefore = routeConfig.Diagnostics.Errors.Count;
        var table = new RouteTableBinder(clusterExists).BindTable(routeConfig);
        return routeConfig.Diagnostics.Errors.Count > errorsBefore ? null : table;
    }

    private RouteTable BindTable(ConfigMap map)
    {
        var name = map.String("name");
        // Envoy checks cluster names of a static route configuration unless told not to; with
        // false, a route to an unknown cluster is accepted here and fails per request.
        _validateClusters = map.Bool("validate_clusters", true);
        _mostSpecificWins = map.Bool("most_specific_header_mutations_wins", false);
        _maxDirectResponseBodyBytes = map.Int64("max_direct_response_body_size_bytes", DefaultMaxDirectResponseBodyBytes, 0, uint.MaxValue);
        var ignorePort = map.Bool("ignore_port_in_host_matching", false);
        var internalOnlyHeaders = BindInternalOnlyHeaders(map);
        var tableMutations = BindHeaderMutations(map);
        foreach (var field in UnsupportedTableFields) map.Unsupported(field);

        var virtualHosts = new List<VirtualHost>();
        foreach (var hostMap in map.Maps("virtual_hosts"))
        {
            virtualHosts.Add(BindVirtualHost(hostMap, tableMutations));
        }
        map.RejectUnknownFields();

        var selector = new VirtualHostSelector(_exactDomains, _suffixDomains, _prefixDomains, _defaultHost, ignorePort);
        return new RouteTable(name, virtualHosts, selector, internalOnlyHeaders);
    }

    private VirtualHost BindVirtualHost(ConfigMap map, HeaderMutations tableMutations)
    {
        var name = map.String("name", required: true) ?? "";
        var domainNodes = map.Sequence("domains", required: true);
        if (domainNodes is { Count: 0 }) domainNodes.Error("domains must list at least one domain");
        var hostMutations = BindHeaderMutations(map);
        var perFilterConfig = BindPerFilterConfig(map);
        var retryPolicy = BindRetryPolicy(map);
        foreach (var field in UnsupportedVirtualHostFields) map.Unsupported(field);

        var domains = new List<string>();
        var host = new VirtualHost(name, domains, perFilterConfig) { RetryPolicy = retryPolicy };
        foreach (var node in domainNodes?.Items ?? [])
        {
            if (node is ConfigScalar { IsNull: false } scalar)
            {
                if (AddDomain(scalar, host) is { } domain) domains.Add(domain);
            }
            else
            {
                node.Error($"expected a domain, found {node.KindName}");
            }
        }

        var routes = new List<RouteEntry>();
        foreach (var routeMap in map.Maps("routes"))
        {
            if (BindRoute(routeMap, host, hostMutations, tableMutations) is { } route) routes.Add(route);
        }
        host.SetRoutes([.. routes]);
        map.RejectUnknownFields();
        return host;
    }

    /// <summary>Registers one domain of <paramref name="host"/>; returns it lower-cased, or null after an error.</summary>
    private string? AddDomain(ConfigScalar node, VirtualHost host)
    {
        var domain = node.Value;
        if (domain.Length == 0 || !IsPrintableAscii(domain))
        {
            node.Error($"'{domain}' is not a valid domain: use printable ASCII without spaces (the punycode form of an internationalised name)");
            return null;
        }
        var lower = domain.ToLowerInvariant();
        if (_domains.TryGetValue(lower, out var first))
        {
            node.Error(lower == "*"
                ? $"only one virtual host may have the domain '*' (virtual host '{first.Host.Name}' has it at line {first.Node.Mark.Line})"
                : $"duplicate domain '{domain}' (already in virtual host '{first.Host.Name}' at line {first.Node.Mark.Line}); domains must be unique across virtual hosts");
            return null;
        }
        _domains.Add(lower, (host, node));

        // As in Envoy, a '*' is a wildcard only as the whole domain, its first or its last character;
        // anywhere else it is an ordinary character.
        if (lower == "*") _defaultHost = host;
        else if (lower[0] == '*') _suffixDomains.Add(new(lower[1..], host));
        else if (lower[^1] == '*') _prefixDomains.Add(new(lower[..^1], host));
        else _exactDomains.Add(new(lower, host));
        return lower;
    }

    private static List<string> BindInternalOnlyHeaders(ConfigMap map)
    {
        var names = new List<string>();
        foreach (var node in map.Sequence("internal_only_headers")?.Items ?? [])
        {
            if (node is ConfigScalar { IsNull: false } scalar && IsToken(scalar.Value))
            {
                names.Add(scalar.Value.ToLowerInvariant());
            }
            else
            {
                node.Error("expected a header name");
            }
        }
        return names;
    }
}
