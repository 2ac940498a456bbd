using Junction.Configuration;

namespace Junction.Http.Routing;

internal sealed partial class RouteTableBinder
{
    private const string PreviousHostsPredicate = "envoy.retry_host_predicates.previous_hosts";
    private const string PreviousHostsType = "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate";

    private static readonly string[] UnsupportedRetryPolicyFields =
    [
        "per_try_idle_timeout", "retry_priority", "retry_options_predicates", "rate_limited_retry_back_off",
    ];

    /// <summary>
    /// Binds a route's or a virtual host's <c>retry_policy</c> (Envoy's <c>config.route.v3.RetryPolicy</c>);
    /// null when it is absent or has errors (reported on its nodes).
    /// </summary>
    private static RetryPolicy? BindRetryPolicy(ConfigMap owner)
    {
        if (owner.Map("retry_policy") is not { } map) return null;
        var valid = true;

        var retryOn = RetryOn.None;
        if (map.String("retry_on") is { } list && map.Node("retry_on") is { } listNode)
        {
            foreach (var raw in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var condition = RetryOnParser.ParseOne(raw);
                if (condition != RetryOn.None)
                {
                    retryOn |= condition;
                    continue;
                }
                valid = false;
                listNode.Error(Array.IndexOf(RetryOnParser.GrpcConditions, raw) >= 0
                    ? $"retry_on '{raw}' is a gRPC condition, which is not supported (Junction's upstreams speak HTTP/1.1)"
                    : $"unknown retry_on condition '{raw}' (supported: 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, envoy-ratelimited)");
            }
        }

        var numRetries = map.Int32("num_retries", 1, 0, int.MaxValue);
        var perTry = map.Duration("per_try_timeout");

        var baseInterval = RetryPolicy.DefaultBaseInterval;
        TimeSpan? maxInterval = null;
        if (map.Map("retry_back_off") is { } backOff)
        {
            var configuredBase = backOff.Duration("base_interval", required: true);
            maxInterval = backOff.Duration("max_interval");
            backOff.RejectUnknownFields();
            if (configuredBase is { } b && b <= TimeSpan.Zero)
            {
                backOff.Node("base_interval")!.Error("base_interval must be greater than zero");
                valid = false;
            }
            else if (configuredBase is { } b2)
            {
                // Envoy rounds an interval below a millisecond up to one.
                baseInterval = b2 < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : b2;
            }
            if (maxInterval is { } max && max < baseInterval)
            {
                backOff.Node("max_interval")!.Error("max_interval must be at least base_interval");
                valid = false;
            }
        }

        var codes = new List<int>();
        if (map.Sequence("retriable_status_codes") is { } codeNodes)
        {
            foreach (var node in codeNodes.Items)
            {
                if (node is ConfigScalar scalar && int.TryParse(scalar.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599)
                {
                    codes.Add(code);
                }
                else
                {
                    node.Error("a retriable status code must be an HTTP status from 100 to 599");
                    valid = false;
                }
            }
        }

        var retriableHeaders = BindHeaderMatchers(map, "retriable_headers", ref valid);
        var retriableRequestHeaders = BindHeaderMatchers(map, "retriable_request_headers", ref valid);
        var avoidPreviousHosts = BindHostPredicates(map, ref valid);
        var hostAttempts = map.Int64("host_selection_retry_max_attempts", 1, 0, int.MaxValue);
        foreach (var field in UnsupportedRetryPolicyFields) map.Unsupported(field);
        map.RejectUnknownFields();

        if (!valid) return null;
        return new RetryPolicy
        {
            RetryOn = retryOn,
            NumRetries = numRetries,
            PerTryTimeout = perTry is { } t && t > TimeSpan.Zero ? t : null,
            BaseInterval = baseInterval,
            MaxInterval = maxInterval ?? baseInterval * 10,
            RetriableStatusCodes = [.. codes],
            RetriableHeaders = retriableHeaders,
            RetriableRequestHeaders = retriableRequestHeaders,
            AvoidPreviousHosts = avoidPreviousHosts,
            HostSelectionRetryMaxAttempts = hostAttempts,
        };
    }

    private static HeaderMatcher[] BindHeaderMatchers(ConfigMap map, string key, ref bool valid)
    {
        var result = new List<HeaderMatcher>();
        foreach (var entry in map.Maps(key))
        {
            if (BindHeaderMatcher(entry) is { } matcher) result.Add(matcher);
            else valid = false;
        }
        return [.. result];
    }

    /// <summary><c>retry_host_predicate</c>: only <c>previous_hosts</c> is supported. True when it is configured.</summary>
    private static bool BindHostPredicates(ConfigMap map, ref bool valid)
    {
        var previousHosts = false;
        foreach (var entry in map.Maps("retry_host_predicate"))
        {
            var name = entry.String("name", required: true);
            if (entry.Map("typed_config") is { } typed)
            {
                var type = typed.String("@type");
                if (type is not null && type != PreviousHostsType && name == PreviousHostsPredicate)
                {
                    typed.Node("@type")!.Error($"previous_hosts takes typed_config of type {PreviousHostsType}");
                    valid = false;
                }
                typed.RejectUnknownFields();
            }
            entry.RejectUnknownFields();
            if (name is null)
            {
                valid = false;
            }
            else if (name == PreviousHostsPredicate)
            {
                previousHosts = true;
            }
            else
            {
                entry.Node("name")!.Error($"retry host predicate '{name}' is not supported (supported: {PreviousHostsPredicate})");
                valid = false;
            }
        }
        return previousHosts;
    }
}
