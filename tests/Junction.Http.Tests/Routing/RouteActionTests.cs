using System.Text;
using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>The three actions: forwarding (clusters, rewrites, timeouts), redirects and direct responses.</summary>
public sealed class RouteActionTests
{
    private static RouteEntry Single(string routeYaml)
    {
        var indented = string.Join("\n", routeYaml.Split('\n').Select(line => "    " + line));
        var table = BindValid("virtual_hosts:\n- name: vh\n  domains: [\"*\"]\n  routes:\n  -" + indented[3..]);
        return table.VirtualHosts[0].Routes[0];
    }

    [Fact]
    public void WeightedClustersAreDrawnInProportionToTheirWeights()
    {
        var action = Single("""
            match: {prefix: /}
            route:
              weighted_clusters:
                clusters:
                - {name: a, weight: 10}
                - {name: b, weight: 30}
                - {name: c, weight: 60}
                - {name: other, weight: 0}
            """).Route!;
        Assert.Equal(ClusterSpecifierKind.WeightedClusters, action.ClusterSpecifier);
        Assert.Equal(100, action.TotalWeight);

        var counts = new Dictionary<string, int>();
        var random = new Random(12345);
        for (var i = 0; i < 10_000; i++)
        {
            var name = action.PickCluster(random)!.Name;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }
        // Binomial standard deviations are 30, 46 and 49; 200 is more than four of them.
        Assert.InRange(counts["a"], 800, 1200);
        Assert.InRange(counts["b"], 2800, 3200);
        Assert.InRange(counts["c"], 5800, 6200);
        Assert.False(counts.ContainsKey("other"));

        var shared = new HashSet<string>();
        for (var i = 0; i < 1000; i++) shared.Add(action.PickCluster()!.Name);
        Assert.Equal(["a", "b", "c"], shared.Order());
    }

    [Fact]
    public void MatchingTotalWeightIsAccepted() => Assert.Equal(3, Single("""
        match: {prefix: /}
        route:
          weighted_clusters:
            total_weight: 3
            clusters: [{name: a, weight: 1}, {name: b, weight: 2}]
        """).Route!.TotalWeight);

    [Fact]
    public void ClusterHeaderIsLeftToTheCaller()
    {
        var action = Single("""
            match: {prefix: /}
            route: {cluster_header: X-Target-Cluster}
            """).Route!;
        Assert.Equal(ClusterSpecifierKind.ClusterHeader, action.ClusterSpecifier);
        Assert.Equal("x-target-cluster", action.ClusterHeader);
        Assert.Equal("x-target-cluster"u8.ToArray(), action.ClusterHeaderBytes);
        Assert.Null(action.PickCluster());
    }

    [Fact]
    public void TimeoutsFollowEnvoysDefaults()
    {
        var defaults = Single("match: {prefix: /}\nroute: {cluster: backend}").Route!;
        Assert.Equal(TimeSpan.FromSeconds(15), defaults.Timeout);

        var set = Single("match: {prefix: /}\nroute: {cluster: backend, timeout: 2.5s}").Route!;
        Assert.Equal(TimeSpan.FromSeconds(2.5), set.Timeout);

        Assert.Null(Single("match: {prefix: /}\nroute: {cluster: backend, timeout: 0s}").Route!.Timeout);
    }

    [Fact]
    public void HostRewriteSettingsAreKept()
    {
        Assert.Equal("internal.example", Single("match: {prefix: /}\nroute: {cluster: backend, host_rewrite_literal: internal.example}").Route!.HostRewriteLiteral);
        Assert.True(Single("match: {prefix: /}\nroute: {cluster: backend, auto_host_rewrite: true}").Route!.AutoHostRewrite);
    }

    [Theory]
    [InlineData("{prefix: /api/}", "/", "/api/users", "/users")]
    [InlineData("{prefix: /api}", "/v2", "/api/users", "/v2/users")]
    [InlineData("{prefix: /api}", "/v2", "/apix", "/v2x")] // a plain prefix need not end at a separator
    [InlineData("{prefix: /API, case_sensitive: false}", "/x", "/api/y", "/x/y")]
    [InlineData("{path_separated_prefix: /api}", "/v2", "/api/x", "/v2/x")]
    [InlineData("{path_separated_prefix: /api}", "/v2", "/api", "/v2")]
    [InlineData("{path_separated_prefix: /api}", "/", "/api/x", "//x")] // Envoy replaces exactly the matched prefix
    [InlineData("{path: /old}", "/new", "/old", "/new")]
    [InlineData("{safe_regex: {regex: \"/r/.*\"}}", "/all", "/r/a/b", "/all")]
    [InlineData("{prefix: /gone}", "", "/gone", "/")] // an empty result becomes "/"
    public void PrefixRewriteReplacesWhatTheRouteMatched(string match, string rewrite, string path, string expected)
    {
        var route = Single($"match: {match}\nroute: {{cluster: backend, prefix_rewrite: \"{rewrite}\"}}");
        Assert.True(route.Path.IsMatch(Encoding.UTF8.GetBytes(path)));
        Assert.Equal(expected, route.Route!.RewritePath(Encoding.UTF8.GetBytes(path)));
    }

    [Fact]
    public void WithoutARewriteThePathIsKept()
    {
        var action = Single("match: {prefix: /}\nroute: {cluster: backend}").Route!;
        Assert.False(action.HasPathRewrite);
        Assert.Null(action.RewritePath("/a"u8));
    }

    [Theory]
    [InlineData("^/service/([^/]+)(/.*)$", "\\\\2/instance/\\\\1", "/service/foo/v1/api", "/v1/api/instance/foo")]
    [InlineData("one", "two", "/xxx/one/yyy/one/zzz", "/xxx/two/yyy/two/zzz")]
    [InlineData("^/(?P<first>[a-z]+)", "/$\\\\1", "/abc/d", "/$abc/d")]
    [InlineData("nomatch", "x", "/same", "/same")]
    public void RegexRewriteReplacesEveryMatch(string pattern, string substitution, string path, string expected)
    {
        var route = Single($$"""
            match: {prefix: /}
            route:
              cluster: backend
              regex_rewrite:
                pattern: {regex: "{{pattern}}"}
                substitution: "{{substitution}}"
            """);
        Assert.Equal(expected, route.Route!.RewritePath(Encoding.UTF8.GetBytes(path)));
    }

    [Theory]
    [InlineData("{https_redirect: true}", "http", "example.com", "/a", "b=1", "https://example.com/a?b=1")]
    [InlineData("{https_redirect: true}", "http", "example.com:80", "/a", "", "https://example.com/a")]
    [InlineData("{https_redirect: true}", "http", "example.com:8080", "/a", "", "https://example.com:8080/a")]
    [InlineData("{https_redirect: true}", "https", "example.com:443", "/a", "", "https://example.com:443/a")]
    [InlineData("{scheme_redirect: HTTP}", "https", "example.com:443", "/a", "", "http://example.com/a")]
    [InlineData("{host_redirect: new.example.com}", "http", "example.com:8080", "/a", "b=1", "http://new.example.com/a?b=1")]
    [InlineData("{port_redirect: 8443}", "http", "example.com:80", "/a", "", "http://example.com:8443/a")]
    [InlineData("{port_redirect: 8443}", "http", "[::1]:80", "/a", "", "http://[::1]:8443/a")]
    [InlineData("{port_redirect: 8443}", "http", "[::1]", "/a", "", "http://[::1]:8443/a")]
    [InlineData("{host_redirect: h.example, port_redirect: 81}", "http", "example.com", "/a", "", "http://h.example:81/a")]
    [InlineData("{path_redirect: /new}", "http", "example.com", "/a", "b=1", "http://example.com/new?b=1")]
    [InlineData("{path_redirect: /new, strip_query: true}", "http", "example.com", "/a", "b=1", "http://example.com/new")]
    [InlineData("{path_redirect: \"/new?x=y\", strip_query: true}", "http", "example.com", "/a", "b=1", "http://example.com/new?x=y")]
    [InlineData("{path_redirect: \"/new?x=y\"}", "http", "example.com", "/a", "b=1", "http://example.com/new?x=y")]
    [InlineData("{path_redirect: new}", "http", "example.com", "/a", "", "http://example.com/new")]
    [InlineData("{prefix_rewrite: /new/}", "http", "example.com", "/old/page", "b=1", "http://example.com/new/page?b=1")]
    [InlineData("{regex_rewrite: {pattern: {regex: old}, substitution: new}}", "http", "example.com", "/old/old", "", "http://example.com/new/new")]
    [InlineData("{strip_query: true}", "http", "example.com", "/old/x", "b=1", "http://example.com/old/x")]
    [InlineData("{}", "http", "example.com", "/old/x", "b=1", "http://example.com/old/x?b=1")]
    public void BuildsTheLocation(string redirect, string scheme, string authority, string path, string query, string expected)
    {
        var route = Single($"match: {{prefix: /old/}}\nredirect: {redirect}");
        var location = route.Redirect!.BuildLocation(
            Encoding.UTF8.GetBytes(scheme), Encoding.UTF8.GetBytes(authority), Encoding.UTF8.GetBytes(path), Encoding.UTF8.GetBytes(query));
        Assert.Equal(expected, location);
    }

    [Theory]
    [InlineData("{}", 301)]
    [InlineData("{response_code: MOVED_PERMANENTLY}", 301)]
    [InlineData("{response_code: FOUND}", 302)]
    [InlineData("{response_code: SEE_OTHER}", 303)]
    [InlineData("{response_code: TEMPORARY_REDIRECT}", 307)]
    [InlineData("{response_code: PERMANENT_REDIRECT}", 308)]
    public void RedirectCodes(string redirect, int expected)
    {
        var route = Single($"match: {{prefix: /}}\nredirect: {redirect}");
        Assert.Equal(RouteActionKind.Redirect, route.ActionKind);
        Assert.Equal(expected, route.Redirect!.ResponseCode);
    }

    [Fact]
    public void DirectResponseBodies()
    {
        var inline = Single("match: {prefix: /}\ndirect_response: {status: 503, body: {inline_string: maintenance}}");
        Assert.Equal(RouteActionKind.DirectResponse, inline.ActionKind);
        Assert.Equal(503, inline.DirectResponse!.Status);
        Assert.Equal("maintenance"u8.ToArray(), inline.DirectResponse.Body.ToArray());

        var bytes = Single("match: {prefix: /}\ndirect_response: {status: 200, body: {inline_bytes: AAEC}}");
        Assert.Equal(new byte[] { 0, 1, 2 }, bytes.DirectResponse!.Body.ToArray());

        var empty = Single("match: {prefix: /}\ndirect_response: {status: 204}");
        Assert.True(empty.DirectResponse!.Body.IsEmpty);

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from a file");
            var fromFile = Single($"match: {{prefix: /}}\ndirect_response: {{status: 200, body: {{filename: \"{file}\"}}}}");
            Assert.Equal("from a file"u8.ToArray(), fromFile.DirectResponse!.Body.ToArray());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void UnreadableDirectResponseFileIsAnError()
    {
        var (table, diagnostics) = Bind("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match: {prefix: /}
                direct_response: {status: 200, body: {filename: /nonexistent/junction-body}}
            """);
        Assert.Null(table);
        Assert.Contains("cannot read '/nonexistent/junction-body'", Assert.Single(diagnostics.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesAndPerFilterConfigAreKept()
    {
        var table = BindValid("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              typed_per_filter_config:
                envoy.filters.http.a: {"@type": type.a, level: vhost}
                envoy.filters.http.b: {"@type": type.b, level: vhost}
              routes:
              - name: first
                match: {prefix: /}
                route: {cluster: backend}
                typed_per_filter_config:
                  envoy.filters.http.a: {"@type": type.a, level: route, anything: [1, 2]}
            """);
        var route = table.Route("x", "/")!;
        Assert.Equal("first", route.Name);
        Assert.Equal("vh", route.VirtualHost.Name);
        Assert.Equal("route", route.PerFilterConfig("envoy.filters.http.a")!.String("level"));
        Assert.Equal("vhost", route.PerFilterConfig("envoy.filters.http.b")!.String("level"));
        Assert.Null(route.PerFilterConfig("envoy.filters.http.c"));
    }
}
