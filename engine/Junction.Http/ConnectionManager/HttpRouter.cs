using System.Text;
using Junction.Configuration;
using Junction.Http.Routing;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Turns a parsed request into a <see cref="RouteOutcome"/>: normalises the path when configured,
/// matches the route table, and resolves the route's action (cluster, redirect Location, direct
/// response, rewrites, header changes). Shared by every connection of a connection manager.
/// </summary>
internal sealed class HttpRouter
{
    // The normalised path of the request being routed on this thread: routing is synchronous, so one
    // buffer per thread is enough and nothing is allocated per request.
    [ThreadStatic]
    private static byte[]? t_pathBuffer;

    private readonly RouteTable _table;
    private readonly IClusterManager _clusters;
    private readonly bool _normalizePath;
    private readonly bool _mergeSlashes;

    private HttpRouter(RouteTable table, IClusterManager clusters, bool normalizePath, bool mergeSlashes)
    {
        _table = table;
        _clusters = clusters;
        _normalizePath = normalizePath;
        _mergeSlashes = mergeSlashes;
    }

    /// <summary>Binds <c>route_config</c>; null when it has errors (reported on its nodes).</summary>
    /// <summary>True when some route sets idle_timeout (a connection then needs its timer even if no connection manager timeout is on).</summary>
    public bool HasRouteIdleTimeouts => _table.VirtualHosts.Any(h => h.Routes.Any(r => r.Route?.IdleTimeout is { } t && t > TimeSpan.Zero));

    /// <summary>The compiled route table.</summary>
    public RouteTable Table => _table;

    public static HttpRouter? Create(ConfigMap routeConfig, IClusterManager clusters, bool normalizePath, bool mergeSlashes)
    {
        var table = RouteTableBinder.Bind(routeConfig, name => clusters.Find(name) is not null);
        if (table is null) return null;
        foreach (var route in table.VirtualHosts.SelectMany(h => h.Routes))
        {
            // The fallback serves the same requests, so it counts them at the route's priority too. Mirrors
            // stay at DEFAULT, as Envoy's shadow requests do.
            if (route.Route?.Fallback is { ClusterName: { } name } fallback) fallback.Cluster = clusters.Find(name)?.AtPriority(route.Route.Priority);
            foreach (var mirror in route.Route?.MirrorPolicies ?? []) mirror.Cluster = clusters.Find(mirror.ClusterName);
        }
        return new HttpRouter(table, clusters, normalizePath, mergeSlashes);
    }

    /// <summary>Routes one request.</summary>
    /// <param name="request">The parsed request head.</param>
    /// <param name="source">The downstream client's address (for a source_ip hash policy).</param>
    public RouteOutcome Route(MessageHead request, System.Net.EndPoint? source = null)
    {
        var target = request.Target;
        var question = target.IndexOf((byte)'?');
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? default : target[(question + 1)..];
        byte[]? normalized = null;
        var pathLength = path.Length;
        if (_normalizePath || _mergeSlashes)
        {
            var buffer = t_pathBuffer is { } existing && existing.Length >= path.Length ? existing : t_pathBuffer = new byte[Math.Max(path.Length, 256)];
            var length = PathNormalizer.Normalize(path, _mergeSlashes, buffer);
            if (length >= 0)
            {
                normalized = buffer;
                pathLength = length;
                path = buffer.AsSpan(0, length);
            }
        }

        var hostIndex = request.Find(Http1.KnownHeader.Host);
        var authority = hostIndex < 0 ? default : request.Value(hostIndex);
        var routeRequest = new Http1RouteRequest(request, hostIndex, normalized, pathLength, question < 0 ? -1 : question + 1);
        var entry = _table.Match(ref routeRequest);
        if (entry is null) return new RouteOutcome { Kind = RouteOutcomeKind.NoRoute };

        var outcome = new RouteOutcome
        {
            RouteName = entry.Name,
            Entry = entry,
            RequestMutations = entry.RequestHeaderMutations,
            ResponseMutations = entry.ResponseHeaderMutations,
        };
        switch (entry.ActionKind)
        {
            case RouteActionKind.DirectResponse:
                outcome.Kind = RouteOutcomeKind.DirectResponse;
                outcome.Status = entry.DirectResponse!.Status;
                outcome.Body = entry.DirectResponse.Body;
                return outcome;
            case RouteActionKind.Redirect:
                outcome.Kind = RouteOutcomeKind.Redirect;
                outcome.Status = entry.Redirect!.ResponseCode;
                outcome.Location = entry.Redirect.BuildLocation("http"u8, authority, path, query);
                return outcome;
        }

        var action = entry.Route!;
        string? clusterName;
        if (action.ClusterSpecifier == ClusterSpecifierKind.ClusterHeader)
        {
            var index = request.Find(action.ClusterHeaderBytes!);
            clusterName = index < 0 ? null : request.ValueString(index);
        }
        else
        {
            var picked = action.PickCluster();
            clusterName = picked?.Name;
            outcome.ClusterRequestMutations = picked?.RequestHeaderMutations;
            outcome.ClusterResponseMutations = picked?.ResponseHeaderMutations;
        }
        outcome.Cluster = clusterName is null ? null : _clusters.Find(clusterName);
        if (outcome.Cluster is null)
        {
            outcome.Kind = RouteOutcomeKind.NoCluster;
            return outcome;
        }
        if (action.Priority != RoutingPriority.Default) outcome.Cluster = outcome.Cluster.AtPriority(action.Priority);

        outcome.Kind = RouteOutcomeKind.Forward;
        if (action.HashPolicies.Length > 0) outcome.Hash = HashPolicy.Compute(action.HashPolicies, ref routeRequest, source);
        outcome.Timeout = action.Timeout;
        outcome.Fallback = action.Fallback;
        outcome.Mirrors = action.MirrorPolicies;
        outcome.IdleTimeout = action.IdleTimeout;
        outcome.MaxStreamDuration = action.MaxStreamDuration;
        outcome.Retry = action.RetryPolicy ?? entry.VirtualHost.RetryPolicy;
        if (action.RewritePath(path) is { } rewritten)
        {
            // The rewrite replaces the path; the query goes along unchanged. The route table's strings
            // hold one char per byte (Latin-1), so this maps them back to the same bytes.
            var bytes = new byte[rewritten.Length + (question < 0 ? 0 : target.Length - question)];
            var written = Encoding.Latin1.GetBytes(rewritten, bytes);
            if (question >= 0) target[question..].CopyTo(bytes.AsSpan(written));
            outcome.RewrittenTarget = bytes;
        }
        if (action.HostRewriteLiteral is { } host) outcome.RewrittenHost = Encoding.ASCII.GetBytes(host);
        outcome.AutoHostRewrite = action.AutoHostRewrite;
        return outcome;
    }

    /// <summary>
    /// The route table's view of an HTTP/1.1 request head. A plain struct (the table's generic matcher
    /// takes no ref structs), so it holds the buffers and offsets and makes the spans on demand.
    /// </summary>
    private readonly struct Http1RouteRequest(MessageHead head, int hostIndex, byte[]? pathBuffer, int pathLength, int queryStart) : IRouteRequest
    {
        public ReadOnlySpan<byte> Method => head.MethodBytes;

        public ReadOnlySpan<byte> Authority => hostIndex < 0 ? default : head.Value(hostIndex);

        public ReadOnlySpan<byte> Path => pathBuffer is null ? head.Target[..pathLength] : pathBuffer.AsSpan(0, pathLength);

        public ReadOnlySpan<byte> Query => queryStart < 0 ? default : head.Target[queryStart..];

        public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value)
        {
            var index = head.Find(lowerCaseName);
            value = index < 0 ? default : head.Value(index);
            return index >= 0;
        }
    }
}
