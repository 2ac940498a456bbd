using System.Diagnostics;
using System.Net;
using Junction.Filters.Fault;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>envoy.filters.http.fault end to end: a real upstream behind it, HttpClient in front.</summary>
[Collection("Http")]
public sealed class FaultFilterTests
{
    private const string FaultType = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

    private static string Fault(string fields) => "{ name: envoy.filters.http.fault, typed_config: { " + FaultType + ", " + fields + " } }";

    // Header control for both faults, for every request that asks.
    private static readonly string HeaderFaults = Fault("abort: { header_abort: {}, percentage: { numerator: 100 } }, delay: { header_delay: {}, percentage: { numerator: 100 } }");

    [Fact]
    public async Task AnAbortForEveryRequestAnswersWithItsStatusAndNeverReachesTheUpstream()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([Fault("abort: { http_status: 503, percentage: { numerator: 100, denominator: HUNDRED } }")]);

        using var first = await rig.Client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("fault filter abort", await first.Content.ReadAsStringAsync());
        using var second = await rig.Client.GetAsync("/b");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);

        Assert.Equal(0, rig.Upstream.Requests);
        Assert.Equal(2, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
        Assert.Equal(0, rig.Proxy.Counter("http.ingress.fault.delays_injected"));
        await rig.Proxy.GaugeReachesAsync("http.ingress.fault.active_faults", 0);
    }

    [Fact]
    public async Task AFixedDelayHoldsTheRequestAtLeastThatLongThenForwardsIt()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([Fault("delay: { fixed_delay: 0.3s, percentage: { numerator: 1000000, denominator: MILLION } }")]);

        var clock = Stopwatch.StartNew();
        using var response = await rig.Client.GetAsync("/delayed");
        var elapsed = clock.Elapsed;

        Assert.Equal("hello from /delayed", await response.Content.ReadAsStringAsync());
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(300), $"answered after {elapsed.TotalMilliseconds:0} ms, before the 300 ms delay");
        Assert.Equal(1, rig.Upstream.Requests);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.fault.delays_injected"));
        await rig.Proxy.GaugeReachesAsync("http.ingress.fault.active_faults", 0);
    }

    [Fact]
    public async Task HeaderControlledFaultsApplyOnlyWhenTheRequestAsks()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([HeaderFaults]);

        using (var plain = await rig.Client.GetAsync("/plain"))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }
        Assert.Equal(0, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
        Assert.Equal(0, rig.Proxy.Counter("http.ingress.fault.delays_injected"));

        using (var aborted = await SendAsync(rig, "/x", ("x-envoy-fault-abort-request", "418")))
        {
            Assert.Equal((HttpStatusCode)418, aborted.StatusCode);
        }
        // Out of range or not a number: no abort.
        using (var invalid = await SendAsync(rig, "/x", ("x-envoy-fault-abort-request", "600")))
        {
            Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);
        }
        // The percentage header may lower the configured 100% (here to 0%).
        using (var lowered = await SendAsync(rig, "/x", ("x-envoy-fault-abort-request", "500"), ("x-envoy-fault-abort-request-percentage", "0")))
        {
            Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        using (var delayed = await SendAsync(rig, "/x", ("x-envoy-fault-delay-request", "200")))
        {
            Assert.Equal(HttpStatusCode.OK, delayed.StatusCode);
        }
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(200), $"answered after {clock.Elapsed.TotalMilliseconds:0} ms");

        // Both at once: the delay, then the abort.
        clock.Restart();
        using (var both = await SendAsync(rig, "/x", ("x-envoy-fault-delay-request", "100"), ("x-envoy-fault-abort-request", "502")))
        {
            Assert.Equal(HttpStatusCode.BadGateway, both.StatusCode);
        }
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
        Assert.Equal(2, rig.Proxy.Counter("http.ingress.fault.delays_injected"));
        Assert.Equal(4, rig.Upstream.Requests);
    }

    [Fact]
    public async Task AGrpcAbortIsHttp200WithTheGrpcStatus()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([HeaderFaults],
        [
            "{ match: { prefix: \"/fixed\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.fault: { " + FaultType + ", abort: { grpc_status: 14, percentage: { numerator: 100 } } } } }",
            BuiltInFilterRig.WebRoute,
        ]);

        using var fromHeader = await SendAsync(rig, "/svc/Method", ("x-envoy-fault-abort-grpc-request", "8"));
        Assert.Equal(HttpStatusCode.OK, fromHeader.StatusCode);
        Assert.Equal("8", fromHeader.Headers.GetValues("grpc-status").Single());
        Assert.Equal("application/grpc", fromHeader.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await fromHeader.Content.ReadAsByteArrayAsync());

        using var fixedStatus = await rig.Client.GetAsync("/fixed");
        Assert.Equal(HttpStatusCode.OK, fixedStatus.StatusCode);
        Assert.Equal("14", fixedStatus.Headers.GetValues("grpc-status").Single());
        Assert.Equal(0, rig.Upstream.Requests);
        Assert.Equal(2, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
    }

    [Fact]
    public async Task BeyondMaxActiveFaultsRequestsPassUntouchedAndAreCounted()
    {
        await using var rig = await BuiltInFilterRig.StartAsync(
            [Fault("max_active_faults: 1, abort: { header_abort: {}, percentage: { numerator: 100 } }, delay: { header_delay: {}, percentage: { numerator: 100 } }")],
            hcmFields: "request_timeout: 3s");

        // The first request sits in a long delay, holding the only fault slot.
        var held = SendAsync(rig, "/held", ("x-envoy-fault-delay-request", "60000"));
        await rig.Proxy.GaugeReachesAsync("http.ingress.fault.active_faults", 1);

        using (var overflow = await SendAsync(rig, "/headers/second", ("x-envoy-fault-abort-request", "503")))
        {
            Assert.Equal(HttpStatusCode.OK, overflow.StatusCode);
        }
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.fault.faults_overflow"));
        Assert.Equal(0, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));

        // The request timeout ends the held request long before its delay would; the slot is free again.
        using (var timedOut = await held.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(HttpStatusCode.RequestTimeout, timedOut.StatusCode);
        }
        await rig.Proxy.GaugeReachesAsync("http.ingress.fault.active_faults", 0);
        using (var aborted = await SendAsync(rig, "/third", ("x-envoy-fault-abort-request", "503")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, aborted.StatusCode);
        }
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
    }

    [Fact]
    public async Task ATimeoutDuringADelayCancelsItAndEndsTheFault()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([Fault("delay: { fixed_delay: 3600s, percentage: { numerator: 100 } }")], hcmFields: "request_timeout: 0.5s");

        using var response = await rig.Client.GetAsync("/never").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        await rig.Proxy.GaugeReachesAsync("http.ingress.fault.active_faults", 0);
        Assert.Equal(0, rig.Upstream.Requests);
        Assert.Equal(1, rig.Proxy.Counter("http.ingress.fault.delays_injected"));
    }

    [Fact]
    public async Task ARouteOverrideReplacesTheFilterSettingsOrTurnsFaultsOff()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([Fault("abort: { http_status: 503, percentage: { numerator: 100 } }")],
        [
            "{ match: { prefix: \"/calm\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.fault: { " + FaultType + " } } }",
            "{ match: { prefix: \"/teapot\" }, route: { cluster: web }, typed_per_filter_config: { envoy.filters.http.fault: { " + FaultType + ", abort: { http_status: 418, percentage: { numerator: 100 } } } } }",
            BuiltInFilterRig.WebRoute,
        ]);

        using var calm = await rig.Client.GetAsync("/calm");
        Assert.Equal("hello from /calm", await calm.Content.ReadAsStringAsync());
        using var teapot = await rig.Client.GetAsync("/teapot");
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        using var other = await rig.Client.GetAsync("/other");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
        Assert.Equal(1, rig.Upstream.Requests);
    }

    [Fact]
    public async Task HeaderMatchersAndTheUpstreamClusterLimitWhichRequestsGetFaults()
    {
        await using var other = await KestrelUpstream.StartAsync("other");
        var yaml = Http.HttpProxyFixture.Config(
            ["{ match: { prefix: \"/other\" }, route: { cluster: other } }", BuiltInFilterRig.WebRoute],
            new Dictionary<string, int> { ["web"] = 1, ["other"] = other.Port },
            httpFilters:
            [
                Fault("upstream_cluster: other, headers: [ { name: x-canary, exact_match: \"yes\" }, { name: x-user, string_match: { prefix: test-, ignore_case: true } } ], "
                    + "abort: { http_status: 503, percentage: { numerator: 100 } }"),
            ]);
        await using var proxy = await InProcessProxy.StartAsync(yaml);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };

        async Task<HttpStatusCode> StatusAsync(string path, params (string, string)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            foreach (var (name, value) in headers) request.Headers.Add(name, value);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync("/other", ("x-canary", "yes"), ("x-user", "TEST-alice")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/other", ("x-canary", "no"), ("x-user", "test-alice")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/other", ("x-canary", "yes")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/other", ("x-canary", "yes"), ("x-user", "bob")));
        // The right headers, but routed to another cluster (web has no endpoint listening: 503 from the
        // proxy would be indistinguishable, so compare the counter instead).
        await StatusAsync("/web", ("x-canary", "yes"), ("x-user", "test-alice"));
        Assert.Equal(1, proxy.Counter("http.ingress.fault.aborts_injected"));
    }

    [Fact]
    public async Task ASeededFiftyPercentAbortsExactlyTheRequestsItsDrawsPick()
    {
        const int Seed = 20_240_611;
        var factory = new RenamedFilterFactory("test.fault", new FaultFactory(new Random(Seed)));
        await using var rig = await BuiltInFilterRig.StartAsync(
            ["{ name: test.fault, typed_config: { abort: { http_status: 503, percentage: { numerator: 5000, denominator: TEN_THOUSAND } } } }"],
            factories: [factory]);

        // The filter draws once per request; the same seed replays its draws.
        var replay = new Random(Seed);
        var expectedAborts = 0;
        for (var i = 0; i < 40; i++)
        {
            var abort = replay.NextInt64(10_000) < 5000;
            expectedAborts += abort ? 1 : 0;
            using var response = await rig.Client.GetAsync($"/r{i}");
            Assert.Equal(abort ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
        }
        Assert.InRange(expectedAborts, 1, 39);
        Assert.Equal(expectedAborts, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
    }

    [Fact]
    public async Task FiftyPercentAbortsAboutHalfOfFourHundredRequests()
    {
        await using var rig = await BuiltInFilterRig.StartAsync([Fault("abort: { http_status: 503, percentage: { numerator: 50 } }")]);

        var aborted = 0;
        for (var i = 0; i < 400; i++)
        {
            using var response = await rig.Client.GetAsync("/n");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) aborted++;
            else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // Binomial(400, 0.5): mean 200, standard deviation 10; 150..250 is five deviations either side.
        Assert.InRange(aborted, 150, 250);
        Assert.Equal(aborted, rig.Proxy.Counter("http.ingress.fault.aborts_injected"));
        Assert.Equal(400 - aborted, rig.Upstream.Requests);
    }

    [Theory]
    [InlineData("abort: { percentage: { numerator: 100 } }", "an abort takes exactly one of http_status, grpc_status or header_abort")]
    [InlineData("abort: { http_status: 503, header_abort: {} }", "an abort takes exactly one of")]
    [InlineData("abort: { http_status: 700 }", "700 is out of range [200, 599]")]
    [InlineData("delay: { percentage: { numerator: 100 } }", "a delay takes exactly one of fixed_delay or header_delay")]
    [InlineData("delay: { fixed_delay: soon }", "expected a duration")]
    [InlineData("abort: { http_status: 503, percentage: { numerator: 1, denominator: THOUSAND } }", "unknown value 'THOUSAND'")]
    [InlineData("response_rate_limit: { fixed_limit: { limit_kbps: 10 } }", "field 'response_rate_limit' is not supported")]
    [InlineData("abort_percent_runtime: fault.abort", "field 'abort_percent_runtime' is not supported")]
    [InlineData("headers: [ { name: x-a, safe_regex_match: { regex: \"a.*\" } } ]", "field 'safe_regex_match' is not supported")]
    [InlineData("headers: [ { name: x-a, exact_match: a, prefix_match: b } ]", "a header matcher takes one of")]
    [InlineData("max_active_faults: -1", "out of range")]
    [InlineData("delayy: { fixed_delay: 1s }", "unknown field 'delayy'")]
    public async Task BadFaultConfigurationIsRejectedWithItsPosition(string fields, string message)
    {
        var errors = await BuiltInFilterRig.ConfigErrorsAsync([Fault(fields)]);
        Assert.Contains(message, errors);
        Assert.Matches(@"test\.yaml:\d+:\d+: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]\.typed_config", errors);
    }

    private static async Task<HttpResponseMessage> SendAsync(BuiltInFilterRig rig, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        return await rig.Client.SendAsync(request);
    }
}
