using Junction.Configuration;

namespace Junction.Filters.Fault;

/// <summary>
/// One <c>HTTPFault</c> message bound: the filter's own, or a route's, which replaces it for that route
/// (a route whose message has neither <c>delay</c> nor <c>abort</c> turns faults off there).
/// </summary>
/// <param name="Delay">The delay to inject, or null.</param>
/// <param name="Abort">The abort to inject, or null.</param>
/// <param name="UpstreamCluster">Only requests routed to this cluster get faults; null for all.</param>
/// <param name="DownstreamNodes">Only requests whose <c>x-envoy-downstream-service-node</c> is one of these; empty for all.</param>
/// <param name="Headers">Only requests matching all of these.</param>
/// <param name="MaxActiveFaults">At most this many faulted requests at once; null for no limit.</param>
internal sealed record FaultSettings(
    FaultDelaySettings? Delay,
    FaultAbortSettings? Abort,
    string? UpstreamCluster,
    IReadOnlyList<string> DownstreamNodes,
    IReadOnlyList<FaultHeaderMatcher> Headers,
    long? MaxActiveFaults)
{
    /// <summary>Binds an <c>HTTPFault</c> mapping; null after errors (reported on its nodes).</summary>
    public static FaultSettings? Bind(ConfigMap map)
    {
        var errors = map.Diagnostics.Errors.Count;
        var delay = map.Map("delay") is { } delayMap ? FaultDelaySettings.Bind(delayMap) : null;
        var abort = map.Map("abort") is { } abortMap ? FaultAbortSettings.Bind(abortMap) : null;
        var upstreamCluster = map.String("upstream_cluster");
        var downstreamNodes = map.Strings("downstream_nodes");
        var headers = new List<FaultHeaderMatcher>();
        foreach (var matcher in map.Maps("headers"))
        {
            if (FaultHeaderMatcher.Bind(matcher) is { } bound) headers.Add(bound);
        }
        long? maxActive = null;
        if (map.Node("max_active_faults") is ConfigMap wrapped)
        {
            // A UInt32Value written as { value: N }.
            maxActive = wrapped.Int64("value", 0, 0, uint.MaxValue);
            wrapped.RejectUnknownFields();
        }
        else if (map.Has("max_active_faults"))
        {
            maxActive = map.Int64("max_active_faults", 0, 0, uint.MaxValue);
        }
        map.Unsupported("response_rate_limit", "response throttling is not implemented");
        foreach (var key in new[]
        {
            "delay_percent_runtime", "abort_percent_runtime", "delay_duration_runtime", "abort_http_status_runtime",
            "max_active_faults_runtime", "response_rate_limit_percent_runtime", "abort_grpc_status_runtime",
        })
        {
            map.Unsupported(key, "Junction's runtime has no fault keys; set the value in the filter's configuration");
        }
        map.Unsupported("filter_metadata");
        // Junction keeps no per-downstream-cluster fault stats, so there is nothing to turn off.
        map.Bool("disable_downstream_cluster_stats", false);
        map.RejectUnknownFields();
        if (map.Diagnostics.Errors.Count > errors) return null;
        return new FaultSettings(delay, abort, upstreamCluster, downstreamNodes, headers, maxActive);
    }
}

/// <summary>Envoy's <c>FaultDelay</c>: a fixed delay, or one the request asks for in <c>x-envoy-fault-delay-request</c>.</summary>
/// <param name="Fixed">The delay; null when it comes from the header (<c>header_delay</c>).</param>
/// <param name="Percentage">The share of requests delayed (absent: none, as in Envoy).</param>
internal sealed record FaultDelaySettings(TimeSpan? Fixed, FractionalPercent Percentage)
{
    /// <summary>Binds a <c>delay</c> mapping; null after errors.</summary>
    public static FaultDelaySettings? Bind(ConfigMap map)
    {
        var errors = map.Diagnostics.Errors.Count;
        var hasFixed = map.Has("fixed_delay");
        var fixedDelay = map.Duration("fixed_delay");
        var header = map.Map("header_delay");
        header?.RejectUnknownFields();
        var percentage = map.Map("percentage") is { } percent ? FractionalPercent.Bind(percent) : FractionalPercent.Never;
        map.Unsupported("type", "the deprecated delay type; give fixed_delay or header_delay");
        map.RejectUnknownFields();
        if (hasFixed == (header is not null)) map.Error("a delay takes exactly one of fixed_delay or header_delay");
        if (map.Diagnostics.Errors.Count > errors) return null;
        return new FaultDelaySettings(fixedDelay, percentage);
    }
}

/// <summary>
/// Envoy's <c>FaultAbort</c>: an HTTP status, a gRPC status, or one the request asks for in
/// <c>x-envoy-fault-abort-request</c> / <c>x-envoy-fault-abort-grpc-request</c>.
/// </summary>
/// <param name="HttpStatus">The status to answer with, or null.</param>
/// <param name="GrpcStatus">The gRPC status to answer with (HTTP 200), or null.</param>
/// <param name="Percentage">The share of requests aborted (absent: none, as in Envoy).</param>
internal sealed record FaultAbortSettings(int? HttpStatus, int? GrpcStatus, FractionalPercent Percentage)
{
    /// <summary>True when the status comes from the request's headers (<c>header_abort</c>).</summary>
    public bool FromHeaders => HttpStatus is null && GrpcStatus is null;

    /// <summary>Binds an <c>abort</c> mapping; null after errors.</summary>
    public static FaultAbortSettings? Bind(ConfigMap map)
    {
        var errors = map.Diagnostics.Errors.Count;
        var forms = 0;
        int? http = null;
        int? grpc = null;
        if (map.Has("http_status"))
        {
            forms++;
            http = map.Int32("http_status", 503, min: 200, max: 599);
        }
        if (map.Has("grpc_status"))
        {
            forms++;
            grpc = map.Int32("grpc_status", 14, min: 0, max: int.MaxValue);
        }
        if (map.Map("header_abort") is { } header)
        {
            forms++;
            header.RejectUnknownFields();
        }
        var percentage = map.Map("percentage") is { } percent ? FractionalPercent.Bind(percent) : FractionalPercent.Never;
        map.RejectUnknownFields();
        if (forms != 1) map.Error("an abort takes exactly one of http_status, grpc_status or header_abort");
        if (map.Diagnostics.Errors.Count > errors) return null;
        return new FaultAbortSettings(http, grpc, percentage);
    }
}
