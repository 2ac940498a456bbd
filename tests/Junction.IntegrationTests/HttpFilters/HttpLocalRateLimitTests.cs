using System.Net;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>envoy.filters.http.local_ratelimit end to end. Buckets refill once a minute, so no refill can happen during a test.</summary>
[Collection("Http")]
public sealed class HttpLocalRateLimitTests
{
    private const string RateLimitType = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";

    private const string Always = "{ default_value: { numerator: 100, denominator: HUNDRED }, runtime_key: rl }";

    private static string RateLimit(string fields) =>
        "{ name: envoy.filters.http.local_ratelimit, typed_config: { " + RateLimitType + ", " + fields + " } }";

    private static string Bucket(int tokens) => $"token_bucket: {{ max_tokens: {tokens}, tokens_per_fill: {tokens}, fill_interval: 60s }}";

    [Fact]
    public async Task ABucketOfThreeLetsExactlyThreeRequestsThroughThenAnswers429()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([RateLimit(
            $"stat_prefix: edge, {Bucket(3)}, filter_enabled: {Always}, filter_enforced: {Always}, "
            + "response_headers_to_add: [ { append_action: OVERWRITE_IF_EXISTS_OR_ADD, header: { key: x-local-rate-limit, value: \"true\" } } ]")]);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await rig.Client.GetAsync($"/ok{i}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.False(allowed.Headers.Contains("x-local-rate-limit"));
        }
        for (var i = 0; i < 2; i++)
        {
            using var limited = await rig.Client.GetAsync("/limited");
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("local_rate_limited", await limited.Content.ReadAsStringAsync());
            Assert.Equal("true", limited.Headers.GetValues("x-envoy-ratelimited").Single());
            Assert.Equal("true", limited.Headers.GetValues("x-local-rate-limit").Single());
        }

        Assert.Equal(3, rig.Upstream.Requests);
        Assert.Equal(5, rig.Proxy.Counter("edge.http_local_rate_limit.enabled"));
        Assert.Equal(3, rig.Proxy.Counter("edge.http_local_rate_limit.ok"));
        Assert.Equal(2, rig.Proxy.Counter("edge.http_local_rate_limit.rate_limited"));
        Assert.Equal(2, rig.Proxy.Counter("edge.http_local_rate_limit.enforced"));
    }

    [Fact]
    public async Task WithoutFilterEnabledTheBucketIsNeverConsulted()
    {
        // Envoy's default for filter_enabled is 0%: a limiter nobody switched on limits nothing.
        await using var rig = await BuiltInFilterRig.StartAsync([RateLimit($"stat_prefix: edge, {Bucket(1)}")]);

        for (var i = 0; i < 3; i++)
        {
            using var response = await rig.Client.GetAsync("/free");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(0, rig.Proxy.Counter("edge.http_local_rate_limit.enabled"));
    }

    [Fact]
    public async Task AnUnenforcedLimitCountsButLetsTheRequestThroughWithItsHeaders()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([RateLimit(
            $"stat_prefix: shadow, {Bucket(1)}, filter_enabled: {Always}, "
            + "request_headers_to_add_when_not_enforced: [ { header: { key: x-would-be-limited, value: \"yes\" } } ]")]);

        var first = await rig.Client.GetStringAsync("/headers/1");
        Assert.DoesNotContain("x-would-be-limited", first);
        var second = await rig.Client.GetStringAsync("/headers/2");
        Assert.Contains("x-would-be-limited: yes\n", second);

        Assert.Equal(2, rig.Proxy.Counter("shadow.http_local_rate_limit.enabled"));
        Assert.Equal(1, rig.Proxy.Counter("shadow.http_local_rate_limit.rate_limited"));
        Assert.Equal(0, rig.Proxy.Counter("shadow.http_local_rate_limit.enforced"));
    }

    [Fact]
    public async Task ARouteOverrideHasItsOwnBucketStatusAndStatsOrTurnsTheLimitOff()
    {
        await using var rig = await BuiltInFilterRig.StartAsync(
            [RateLimit($"stat_prefix: edge, {Bucket(1)}, filter_enabled: {Always}, filter_enforced: {Always}")],
            [
                "{ match: { prefix: \"/login\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.local_ratelimit: { "
                    + $"{RateLimitType}, stat_prefix: login, {Bucket(2)}, status: {{ code: 503 }}, filter_enabled: {Always}, filter_enforced: {Always} }} }} }}",
                "{ match: { prefix: \"/health\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.local_ratelimit: { "
                    + $"{RateLimitType} }} }} }}",
                BuiltInFilterRig.WebRoute,
            ]);

        async Task<HttpStatusCode> StatusAsync(string path)
        {
            using var response = await rig.Client.GetAsync(path);
            return response.StatusCode;
        }

        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/login"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/login"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync("/login"));
        // The filter's own bucket was not touched by the route's requests.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/home"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync("/home"));

        Assert.Equal(1, rig.Proxy.Counter("login.http_local_rate_limit.enforced"));
        Assert.Equal(2, rig.Proxy.Counter("login.http_local_rate_limit.ok"));
        Assert.Equal(1, rig.Proxy.Counter("edge.http_local_rate_limit.enforced"));
        Assert.Equal(2, rig.Proxy.Counter("edge.http_local_rate_limit.enabled"));
        Assert.Equal(7, rig.Upstream.Requests);
    }

    [Theory]
    [InlineData("token_bucket: { max_tokens: 1, fill_interval: 1s }", "missing required field 'stat_prefix'")]
    [InlineData("stat_prefix: a, token_bucket: { fill_interval: 1s }", "missing required field 'max_tokens'")]
    [InlineData("stat_prefix: a, token_bucket: { max_tokens: 1 }", "missing required field 'fill_interval'")]
    [InlineData("stat_prefix: a, token_bucket: { max_tokens: 1, fill_interval: 0.01s }", "fill_interval must be at least 50ms")]
    [InlineData("stat_prefix: a, token_bucket: { max_tokens: 0, fill_interval: 1s }", "0 is out of range")]
    [InlineData("stat_prefix: a, filter_enabled: { default_value: { numerator: 100 } }", "filter_enabled needs a token_bucket")]
    [InlineData("stat_prefix: a, descriptors: []", "field 'descriptors' is not supported")]
    [InlineData("stat_prefix: a, local_rate_limit_per_downstream_connection: true", "a bucket per downstream connection is not supported")]
    [InlineData("stat_prefix: a, response_headers_to_add: [ { header: { key: content-length, value: \"1\" } } ]", "'content-length' is set by the proxy itself")]
    [InlineData("stat_prefix: a, status: { code: TooManyRequests }", "expected an integer")]
    [InlineData("stat_prefix: a, token_bucket: { max_tokens: 1, fill_interval: 1s, burst: 2 }", "unknown field 'burst'")]
    public async Task BadRateLimitConfigurationIsRejectedWithItsPosition(string fields, string message)
    {
        var errors = await BuiltInFilterRig.ConfigErrorsAsync([RateLimit(fields)]);
        Assert.Contains(message, errors);
        Assert.Matches(@"test\.yaml:\d+:\d+: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]\.typed_config", errors);
    }
}
