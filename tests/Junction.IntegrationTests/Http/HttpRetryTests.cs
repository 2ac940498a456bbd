using System.Net;
using System.Security.Cryptography;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// Retries against upstreams that fail in scripted patterns: how many attempts reach the upstream, what
/// the client finally gets, the body every attempt carries, and Envoy's retry stats. Each attempt is a
/// new upstream connection (the scripted upstream closes after every response), so counts are exact.
/// </summary>
[Collection("Http")]
public sealed class HttpRetryTests
{
    private static readonly UpstreamStep Unavailable = new UpstreamStep.Respond(503, "unavailable");
    private static readonly UpstreamStep Ok = new UpstreamStep.Respond(200, "ok");

    private static string Route(string retryPolicy, string prefix = "/") =>
        $"{{ match: {{ prefix: \"{prefix}\" }}, route: {{ cluster: web, retry_policy: {retryPolicy} }} }}";

    private static Task<InProcessProxy> StartAsync(ScriptedHttpUpstream upstream, string[] routes, string clusterFields = "", string listenerFields = "",
        string accessLogPath = "", IEnumerable<string>? httpFilters = null, params Junction.HttpFilters.IHttpFilterFactory[] filters) =>
        InProcessProxy.StartAsync(HttpProxyFixture.Config(routes, new Dictionary<string, int> { ["web"] = upstream.Port },
            clusterFields: clusterFields, listenerFields: listenerFields, accessLogPath: accessLogPath, httpFilters: httpFilters,
            accessLogFormat: "%RESPONSE_CODE% %RESPONSE_FLAGS% %REQ(:PATH)%"), filters);

    private static HttpClient ClientFor(InProcessProxy proxy) => new() { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

    [Fact]
    public async Task Two503sAreRetriedAndTheThirdAttemptsAnswerIsReturned()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, num_retries: 2, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/flaky");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.Requests);
        Assert.Equal(3, proxy.Counter("cluster.web.upstream_rq_total"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry_backoff_exponential"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_success"));
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_retry_limit_exceeded"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_5xx"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_2xx"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_retry_open"));
    }

    [Fact]
    public async Task RetriesStopAtNumRetriesWithTheLastResponseAndUrx()
    {
        var log = Path.Combine(Path.GetTempPath(), $"junction-retry-{Guid.NewGuid():N}.log");
        await using var upstream = new ScriptedHttpUpstream(
            new UpstreamStep.Respond(503, "first"), new UpstreamStep.Respond(503, "second"), new UpstreamStep.Respond(503, "third"), Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: gateway-error, num_retries: 2, retry_back_off: { base_interval: 0.001s } }")],
            accessLogPath: log);
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("third", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.Requests);
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_limit_exceeded"));
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_retry_success"));
        await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllText(log).Contains('\n'), "the access log line");
        Assert.Equal("503 URX /down", File.ReadAllLines(log)[0]);
        File.Delete(log);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APostBodyIsReplayedByteIdentical(bool chunked)
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(300 * 1024);
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);

        using var response = await client.PostAsync("/upload", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = upstream.Received;
        Assert.Equal(2, received.Count);
        var expected = Convert.ToHexString(SHA256.HashData(body));
        Assert.All(received, request => Assert.Equal(expected, request.BodySha256));
        Assert.All(received, request => Assert.Equal(chunked ? "chunked" : body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            request.Header(chunked ? "transfer-encoding" : "content-length")));
        // Every attempt carries the same generated request id.
        Assert.Equal(received[0].Header("x-request-id"), received[1].Header("x-request-id"));
        Assert.NotNull(received[0].Header("x-request-id"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyBeyondTheBufferLimitStreamsAndIsNotRetried(bool chunked)
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")],
            listenerFields: "per_connection_buffer_limit_bytes: 65536");
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(256 * 1024);
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);

        using var response = await client.PostAsync("/big", content);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Requests);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), Assert.Single(upstream.Received).BodySha256);
        Assert.Equal(1, proxy.Counter("cluster.web.retry_or_shadow_abandoned"));
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_retry"));
    }

    [Fact]
    public async Task AResetIsRetriedUnderResetButNotUnderRetriable4xx()
    {
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Reset(), Ok, new UpstreamStep.Reset());
        await using var proxy = await StartAsync(upstream, [
            Route("{ retry_on: reset, retry_back_off: { base_interval: 0.001s } }", "/reset"),
            Route("{ retry_on: retriable-4xx }", "/conflict")]);
        using var client = ClientFor(proxy);

        using (var retried = await client.GetAsync("/reset"))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        }
        Assert.Equal(2, upstream.Requests);
        using (var notRetried = await client.GetAsync("/conflict"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notRetried.StatusCode);
        }
        Assert.Equal(3, upstream.Requests);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry"));
    }

    [Fact]
    public async Task StatusCodesHeadersAnd409AreRetriedWhenTheirConditionIsOn()
    {
        await using var upstream = new ScriptedHttpUpstream(
            new UpstreamStep.Respond(418, "teapot"), Ok,
            new UpstreamStep.Respond(500, "again", "x-try-again: yes"), Ok,
            new UpstreamStep.Respond(409, "conflict"), Ok,
            new UpstreamStep.Respond(500, "no header"));
        await using var proxy = await StartAsync(upstream, [
            Route("{ retry_on: retriable-status-codes, retriable_status_codes: [418], retry_back_off: { base_interval: 0.001s } }", "/codes"),
            Route("{ retry_on: retriable-headers, retriable_headers: [ { name: x-try-again, present_match: true } ], retry_back_off: { base_interval: 0.001s } }", "/headers"),
            Route("{ retry_on: retriable-4xx, retry_back_off: { base_interval: 0.001s } }", "/conflict")]);
        using var client = ClientFor(proxy);

        foreach (var path in new[] { "/codes", "/headers", "/conflict" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(6, upstream.Requests);
        // A 500 without the header is not retriable under retriable-headers.
        using (var last = await client.GetAsync("/headers"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, last.StatusCode);
        }
        Assert.Equal(7, upstream.Requests);
        Assert.Equal(3, proxy.Counter("cluster.web.upstream_rq_retry_success"));
    }

    [Fact]
    public async Task RequestHeadersAskForRetriesOnARouteWithoutAPolicy()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Unavailable, Ok, Unavailable);
        await using var proxy = await StartAsync(upstream, ["{ match: { prefix: \"/\" }, route: { cluster: web } }"]);
        using var client = ClientFor(proxy);

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/asked"))
        {
            request.Headers.Add("x-envoy-retry-on", "connect-failure, 5xx");
            request.Headers.Add("x-envoy-max-retries", "2");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(3, upstream.Requests);
        // Without the header, the route has no retries.
        using (var plain = await client.GetAsync("/plain"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, plain.StatusCode);
        }
        Assert.Equal(4, upstream.Requests);
    }

    [Fact]
    public async Task PerTryTimeoutRetriesAHungAttemptAndTheLastOneIs504()
    {
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Hang(), Ok, new UpstreamStep.Hang(), new UpstreamStep.Hang());
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s, retry_back_off: { base_interval: 0.001s } }")]);
        using var client = ClientFor(proxy);

        using (var recovered = await client.GetAsync("/slow"))
        {
            Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        }
        Assert.Equal(2, upstream.Requests);
        using (var timedOut = await client.GetAsync("/slow"))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
            Assert.Equal("upstream request timeout", await timedOut.Content.ReadAsStringAsync());
        }
        Assert.Equal(4, upstream.Requests);
        Assert.Equal(3, proxy.Counter("cluster.web.upstream_rq_per_try_timeout"));
        Assert.Equal(2, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_limit_exceeded"));
    }

    [Fact]
    public async Task PreviousHostsMovesEveryRetryToTheHostNotTriedYet()
    {
        await using var failing = new ScriptedHttpUpstream { Default = Unavailable };
        await using var healthy = new ScriptedHttpUpstream();
        // RANDOM would pick the failing host again half the time; previous_hosts re-picks (up to 50 times).
        var yaml = HttpProxyFixture.Config(
            [Route("{ retry_on: 5xx, num_retries: 1, retry_back_off: { base_interval: 0.001s }, host_selection_retry_max_attempts: 50, " +
                "retry_host_predicate: [ { name: envoy.retry_host_predicates.previous_hosts, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate } } ] }")],
            new Dictionary<string, int> { ["web"] = failing.Port }, clusterFields: "lb_policy: RANDOM")
            .Replace($"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {failing.Port} }} }} }}",
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {failing.Port} }} }} }}\n" +
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {healthy.Port} }} }} }}", StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = ClientFor(proxy);

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/r{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(20, healthy.Requests);
        Assert.Equal(failing.Requests, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(failing.Requests, proxy.Counter("cluster.web.upstream_rq_retry_success"));
    }

    [Fact]
    public async Task AConnectFailureIsRetriedUnderConnectFailure()
    {
        using var refusing = new RefusingEndPoint();
        await using var healthy = new ScriptedHttpUpstream();
        var yaml = HttpProxyFixture.Config(
            [Route("{ retry_on: connect-failure, num_retries: 3, retry_back_off: { base_interval: 0.001s } }")],
            new Dictionary<string, int> { ["web"] = refusing.EndPoint.Port })
            .Replace($"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {refusing.EndPoint.Port} }} }} }}",
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {refusing.EndPoint.Port} }} }} }}\n" +
                $"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {healthy.Port} }} }} }}", StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = ClientFor(proxy);

        // Round robin: the first request meets the refusing host first, its retry the healthy one.
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(4, healthy.Requests);
        Assert.Equal(proxy.Counter("cluster.web.upstream_cx_connect_fail"), proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.True(proxy.Counter("cluster.web.upstream_rq_retry") >= 1);
    }

    [Fact]
    public async Task MaxRetriesStopsARetryWhileAnotherIsInFlight()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedHttpUpstream(Unavailable, new UpstreamStep.Gated(gate, new UpstreamStep.Respond(200, "late")),
            new UpstreamStep.Respond(503, "overflowed"));
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")],
            clusterFields: "circuit_breakers: { thresholds: [ { max_retries: 1, track_remaining: true } ] }");
        using var client = ClientFor(proxy);

        var first = client.GetAsync("/first");
        await Eventually.AssertAsync(() => upstream.Requests == 2, "the first request's retry reached the upstream");
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.rq_retry_open"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_retries"));

        using (var second = await client.GetAsync("/second"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.Equal("overflowed", await second.Content.ReadAsStringAsync());
        }
        Assert.Equal(3, upstream.Requests);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_overflow"));

        gate.SetResult();
        using var firstResponse = await first;
        Assert.Equal("late", await firstResponse.Content.ReadAsStringAsync());
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry"));
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_success"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_retry_open"));
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_retries"));
    }

    [Fact]
    public async Task AnEmptyRetryBudgetRefusesEveryRetry()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx }")],
            clusterFields: "circuit_breakers: { thresholds: [ { max_retries: 100, retry_budget: { budget_percent: { value: 0 }, min_retry_concurrency: 0 } } ] }");
        using var client = ClientFor(proxy);

        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Requests);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_retry_overflow"));
        Assert.Equal(0, proxy.Counter("cluster.web.upstream_rq_retry"));
    }

    [Fact]
    public async Task MaxRequestsOverflowsWith503Uo()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedHttpUpstream(new UpstreamStep.Gated(gate, new UpstreamStep.Respond(200, "first")));
        await using var proxy = await StartAsync(upstream, ["{ match: { prefix: \"/\" }, route: { cluster: web } }"],
            clusterFields: "circuit_breakers: { thresholds: [ { max_requests: 1, track_remaining: true } ] }");
        using var client = ClientFor(proxy);

        var first = client.GetAsync("/first");
        await Eventually.AssertAsync(() => upstream.Requests == 1, "the first request reached the upstream");
        Assert.Equal(1, proxy.Gauge("cluster.web.upstream_rq_active"));
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.rq_open"));
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_rq"));

        using (var second = await client.GetAsync("/second"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.Contains("overflow", await second.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, upstream.Requests);
        Assert.Equal(1, proxy.Counter("cluster.web.upstream_rq_pending_overflow"));

        gate.SetResult();
        using var firstResponse = await first;
        Assert.Equal("first", await firstResponse.Content.ReadAsStringAsync());
        await proxy.GaugeReachesAsync("cluster.web.upstream_rq_active", 0);
        Assert.Equal(0, proxy.Gauge("cluster.web.circuit_breakers.default.rq_open"));
        Assert.Equal(1, proxy.Gauge("cluster.web.circuit_breakers.default.remaining_rq"));
    }

    [Fact]
    public async Task AVirtualHostPolicyAppliesToRoutesWithoutTheirOwn()
    {
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok, Unavailable);
        var yaml = HttpProxyFixture.Config(
            ["{ match: { prefix: \"/own\" }, route: { cluster: web, retry_policy: { retry_on: retriable-4xx } } }", "{ match: { prefix: \"/\" }, route: { cluster: web } }"],
            new Dictionary<string, int> { ["web"] = upstream.Port })
            .Replace("              domains: [\"*\"]", "              domains: [\"*\"]\n              retry_policy: { retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }", StringComparison.Ordinal);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = ClientFor(proxy);

        using (var inherited = await client.GetAsync("/inherits"))
        {
            Assert.Equal(HttpStatusCode.OK, inherited.StatusCode);
        }
        // The route's own policy replaces the virtual host's: a 503 is not retriable-4xx.
        using (var own = await client.GetAsync("/own"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, own.StatusCode);
        }
        Assert.Equal(3, upstream.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithHttpFiltersTheFilteredRequestIsReplayedAndEncodersSeeOnlyTheFinalResponse(bool bufferWholeBody)
    {
        var encodedStatuses = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var filter = new Junction.IntegrationTests.HttpFilters.TestFilterFactory("test.retry", () => new Junction.IntegrationTests.HttpFilters.LambdaFilter
        {
            OnRequestHeaders = (_, headers, _) =>
            {
                headers.Set("x-filtered", "yes");
                return Junction.IntegrationTests.HttpFilters.LambdaFilter.Continue;
            },
            OnRequestData = (_, _, endOfStream) => ValueTask.FromResult(bufferWholeBody && !endOfStream
                ? Junction.HttpFilters.HttpFilterStatus.StopAndBuffer : Junction.HttpFilters.HttpFilterStatus.Continue),
            OnResponseHeaders = (_, headers, _) =>
            {
                encodedStatuses.Enqueue(headers.Status);
                return Junction.IntegrationTests.HttpFilters.LambdaFilter.Continue;
            },
        });
        await using var upstream = new ScriptedHttpUpstream(Unavailable, Ok);
        await using var proxy = await StartAsync(upstream, [Route("{ retry_on: 5xx, retry_back_off: { base_interval: 0.001s } }")],
            httpFilters: ["{ name: test.retry }"], filters: filter);
        using var client = ClientFor(proxy);
        var body = RandomNumberGenerator.GetBytes(100 * 1024);

        using var response = await client.PostAsync("/filtered", new StreamContent(new NonSeekableStream(body)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = Convert.ToHexString(SHA256.HashData(body));
        Assert.Equal(2, upstream.Received.Count);
        Assert.All(upstream.Received, request =>
        {
            Assert.Equal(expected, request.BodySha256);
            Assert.Equal("yes", request.Header("x-filtered"));
        });
        Assert.Equal([200], encodedStatuses.ToArray());
    }

    /// <summary>A stream of unknown length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
