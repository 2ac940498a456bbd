using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary><c>retry_policy</c> on routes and virtual hosts: what binds, Envoy's defaults, and errors at their nodes.</summary>
public sealed class RetryPolicyBinderTests
{
    private static string WithPolicy(string policy) => $$"""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              retry_policy:
        {{policy}}
        """;

    [Fact]
    public void AFullPolicyBindsWithItsValues()
    {
        var table = BindValid(WithPolicy("""
                    retry_on: "5xx, connect-failure,retriable-status-codes,retriable-headers"
                    num_retries: 3
                    per_try_timeout: 0.5s
                    retry_back_off:
                      base_interval: 0.01s
                      max_interval: 1s
                    retriable_status_codes: [418, 429]
                    retriable_headers:
                    - name: x-retry
                      present_match: true
                    host_selection_retry_max_attempts: 5
                    retry_host_predicate:
                    - name: envoy.retry_host_predicates.previous_hosts
        """));
        var policy = table.VirtualHosts[0].Routes[0].Route!.RetryPolicy!;
        Assert.Equal(RetryOn.FiveXx | RetryOn.ConnectFailure | RetryOn.RetriableStatusCodes | RetryOn.RetriableHeaders, policy.RetryOn);
        Assert.Equal(3, policy.NumRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(500), policy.PerTryTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(10), policy.BaseInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.MaxInterval);
        Assert.Equal([418, 429], policy.RetriableStatusCodes);
        Assert.Single(policy.RetriableHeaders);
        Assert.True(policy.AvoidPreviousHosts);
        Assert.Equal(5, policy.HostSelectionRetryMaxAttempts);
    }

    [Fact]
    public void EnvoysDefaultsApplyToAnEmptyPolicy()
    {
        var policy = BindValid(WithPolicy("          retry_on: gateway-error")).VirtualHosts[0].Routes[0].Route!.RetryPolicy!;
        Assert.Equal(1, policy.NumRetries);
        Assert.Null(policy.PerTryTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(25), policy.BaseInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), policy.MaxInterval);
        Assert.False(policy.AvoidPreviousHosts);
    }

    [Fact]
    public void AVirtualHostPolicyIsBound()
    {
        var table = BindValid("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              retry_policy:
                retry_on: reset
                num_retries: 2
              routes:
              - match:
                  prefix: /
                route:
                  cluster: backend
            """);
        Assert.Equal(RetryOn.Reset, table.VirtualHosts[0].RetryPolicy!.RetryOn);
        Assert.Null(table.VirtualHosts[0].Routes[0].Route!.RetryPolicy);
    }

    [Fact]
    public void AnUnknownConditionIsNamed() => SingleError(WithPolicy("          retry_on: 5xx,sometimes"), 10, 21,
        "virtual_hosts[0].routes[0].route.retry_policy.retry_on", "unknown retry_on condition 'sometimes' (supported: 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, envoy-ratelimited)");

    [Fact]
    public void AGrpcConditionIsRefused() => SingleError(WithPolicy("          retry_on: unavailable"), 10, 21,
        "virtual_hosts[0].routes[0].route.retry_policy.retry_on", "retry_on 'unavailable' is a gRPC condition, which is not supported (Junction's upstreams speak HTTP/1.1)");

    [Theory]
    [InlineData("retry_priority")]
    [InlineData("rate_limited_retry_back_off")]
    [InlineData("retry_options_predicates")]
    [InlineData("per_try_idle_timeout")]
    public void UnsupportedFieldsAreNamed(string field) => SingleError(WithPolicy($"          {field}: {{}}"), 10, 13 + field.Length,
        $"virtual_hosts[0].routes[0].route.retry_policy.{field}", $"field '{field}' is not supported");

    [Fact]
    public void AZeroBaseIntervalIsRefused() => SingleError(WithPolicy("""
                  retry_back_off:
                    base_interval: 0s
        """), 11, 28, "virtual_hosts[0].routes[0].route.retry_policy.retry_back_off.base_interval", "base_interval must be greater than zero");

    [Fact]
    public void AMaxIntervalBelowTheBaseIsRefused() => SingleError(WithPolicy("""
                  retry_back_off:
                    base_interval: 1s
                    max_interval: 0.5s
        """), 12, 27, "virtual_hosts[0].routes[0].route.retry_policy.retry_back_off.max_interval", "max_interval must be at least base_interval");

    [Fact]
    public void AnotherHostPredicateIsRefused() => SingleError(WithPolicy("""
                  retry_host_predicate:
                  - name: envoy.retry_host_predicates.omit_canary_hosts
        """), 11, 19, "virtual_hosts[0].routes[0].route.retry_policy.retry_host_predicate[0].name",
        "retry host predicate 'envoy.retry_host_predicates.omit_canary_hosts' is not supported (supported: envoy.retry_host_predicates.previous_hosts)");

    [Fact]
    public void ABadStatusCodeIsRefused() => SingleError(WithPolicy("          retriable_status_codes: [503, 99]"), 10, 41,
        "virtual_hosts[0].routes[0].route.retry_policy.retriable_status_codes[1]", "a retriable status code must be an HTTP status from 100 to 599");

    [Theory]
    [InlineData("hedge_policy")]
    [InlineData("retry_policy_typed_config")]
    public void RouteFieldsAroundRetriesStayUnsupported(string field) => SingleError($$"""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              {{field}}: {}
        """, 9, 9 + field.Length, $"virtual_hosts[0].routes[0].route.{field}", $"field '{field}' is not supported");
}

/// <summary>A route's <c>priority</c>: which of the cluster's circuit breaker sets its requests use.</summary>
public sealed class RoutePriorityBinderTests
{
    private static string WithPriority(string priority) => $$"""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              {{priority}}
        """;

    [Fact]
    public void HighBindsAndDefaultIsTheDefault()
    {
        Assert.Equal(Junction.Upstream.RoutingPriority.High, BindValid(WithPriority("priority: HIGH")).VirtualHosts[0].Routes[0].Route!.Priority);
        Assert.Equal(Junction.Upstream.RoutingPriority.Default, BindValid(WithPriority("timeout: 1s")).VirtualHosts[0].Routes[0].Route!.Priority);
    }

    [Fact]
    public void AnUnknownPriorityIsRefusedAtItsNode() => SingleError(WithPriority("priority: URGENT"), 9, 17,
        "virtual_hosts[0].routes[0].route.priority", "unknown value 'URGENT' (expected one of: DEFAULT, HIGH)");
}
