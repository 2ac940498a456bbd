using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>Every kind of route match, and the order routes are tried in.</summary>
public sealed class RouteMatchTests
{
    private static readonly RouteTable PathTable = BindValid("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - name: exact
            match: {path: /exact}
            route: {cluster: backend}
          - name: prefix
            match: {prefix: /prefix/}
            route: {cluster: backend}
          - name: separated
            match: {path_separated_prefix: /sep}
            route: {cluster: backend}
          - name: regex
            match:
              safe_regex: {google_re2: {}, regex: "/regex/[0-9]+"}
            route: {cluster: backend}
          - name: named-group
            match:
              safe_regex: {regex: "/named/(?P<id>[a-z]+)"}
            route: {cluster: backend}
          - name: ci-prefix
            match: {prefix: /CI/, case_sensitive: false}
            route: {cluster: backend}
          - name: ci-exact
            match: {path: /Ci-Exact, case_sensitive: false}
            route: {cluster: backend}
          - name: ci-separated
            match: {path_separated_prefix: /CiSep, case_sensitive: false}
            route: {cluster: backend}
        """);

    [Theory]
    [InlineData("/exact", "exact")]
    [InlineData("/exact/", "(none)")]
    [InlineData("/Exact", "(none)")]
    [InlineData("/exact?q=1", "exact")] // the query is not part of the path
    [InlineData("/prefix/", "prefix")]
    [InlineData("/prefix/a/b", "prefix")]
    [InlineData("/prefix", "(none)")]
    [InlineData("/PREFIX/a", "(none)")]
    [InlineData("/sep", "separated")]
    [InlineData("/sep/", "separated")]
    [InlineData("/sep/x", "separated")]
    [InlineData("/separate", "(none)")]
    [InlineData("/regex/123", "regex")]
    [InlineData("/regex/123/x", "(none)")] // a full match, not a search
    [InlineData("/x/regex/123", "(none)")]
    [InlineData("/named/abc", "named-group")]
    [InlineData("/ci/x", "ci-prefix")]
    [InlineData("/CI/x", "ci-prefix")]
    [InlineData("/ci-exact", "ci-exact")]
    [InlineData("/CI-EXACT", "ci-exact")]
    [InlineData("/cisep/a", "ci-separated")]
    [InlineData("/CISEP", "ci-separated")]
    [InlineData("/cisepx", "(none)")]
    public void MatchesPaths(string target, string expected) => Assert.Equal(expected, PathTable.RouteName(target));

    private static readonly RouteTable HeaderTable = BindValid("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - name: exact
            match:
              path: /exact
              headers: [{name: x-a, string_match: {exact: Foo}}]
            route: {cluster: backend}
          - name: exact-ignore-case
            match:
              path: /exact-ic
              headers: [{name: X-A, string_match: {exact: foo, ignore_case: true}}]
            route: {cluster: backend}
          - name: prefix
            match:
              path: /prefix
              headers: [{name: x-a, string_match: {prefix: ab}}]
            route: {cluster: backend}
          - name: suffix
            match:
              path: /suffix
              headers: [{name: x-a, string_match: {suffix: yz, ignore_case: true}}]
            route: {cluster: backend}
          - name: contains
            match:
              path: /contains
              headers: [{name: x-a, string_match: {contains: mid, ignore_case: true}}]
            route: {cluster: backend}
          - name: regex
            match:
              path: /regex
              headers: [{name: x-a, string_match: {safe_regex: {regex: "v[0-9]+"}}}]
            route: {cluster: backend}
          - name: present
            match:
              path: /present
              headers: [{name: x-a, present_match: true}]
            route: {cluster: backend}
          - name: absent
            match:
              path: /absent
              headers: [{name: x-a, present_match: false}]
            route: {cluster: backend}
          - name: no-specifier
            match:
              path: /no-specifier
              headers: [{name: x-a}]
            route: {cluster: backend}
          - name: invert
            match:
              path: /invert
              headers: [{name: x-a, string_match: {exact: foo}, invert_match: true}]
            route: {cluster: backend}
          - name: invert-present
            match:
              path: /invert-present
              headers: [{name: x-a, present_match: true, invert_match: true}]
            route: {cluster: backend}
          - name: missing-as-empty
            match:
              path: /missing-as-empty
              headers: [{name: x-a, string_match: {exact: ""}, treat_missing_header_as_empty: true}]
            route: {cluster: backend}
          - name: deprecated-exact
            match:
              path: /deprecated-exact
              headers: [{name: x-a, exact_match: foo}]
            route: {cluster: backend}
          - name: deprecated-exact-empty
            match:
              path: /deprecated-exact-empty
              headers: [{name: x-a, exact_match: ""}]
            route: {cluster: backend}
          - name: deprecated-forms
            match:
              path: /deprecated-forms
              headers:
              - {name: x-a, prefix_match: ab}
              - {name: x-a, suffix_match: yz}
              - {name: x-a, contains_match: mid}
              - {name: x-a, safe_regex_match: {regex: "ab.*yz"}}
            route: {cluster: backend}
          - name: method
            match:
              path: /method
              headers: [{name: ":method", string_match: {exact: POST}}]
            route: {cluster: backend}
          - name: authority
            match:
              path: /authority
              headers: [{name: ":authority", string_match: {suffix: .example.com}}]
            route: {cluster: backend}
          - name: all-must-match
            match:
              path: /all
              headers:
              - {name: x-a, string_match: {exact: "1"}}
              - {name: x-b, string_match: {exact: "2"}}
            route: {cluster: backend}
        """);

    [Theory]
    [InlineData("/exact", "Foo", "exact")]
    [InlineData("/exact", "foo", "(none)")]
    [InlineData("/exact", "Foo2", "(none)")]
    [InlineData("/exact", null, "(none)")]
    [InlineData("/exact-ic", "FOO", "exact-ignore-case")]
    [InlineData("/prefix", "abc", "prefix")]
    [InlineData("/prefix", "xab", "(none)")]
    [InlineData("/suffix", "xYZ", "suffix")]
    [InlineData("/suffix", "yzx", "(none)")]
    [InlineData("/contains", "a-MID-b", "contains")]
    [InlineData("/contains", "a-mi-d", "(none)")]
    [InlineData("/regex", "v12", "regex")]
    [InlineData("/regex", "xv12", "(none)")]
    [InlineData("/present", "", "present")]
    [InlineData("/present", null, "(none)")]
    [InlineData("/absent", null, "absent")]
    [InlineData("/absent", "x", "(none)")]
    [InlineData("/no-specifier", "anything", "no-specifier")]
    [InlineData("/no-specifier", null, "(none)")]
    [InlineData("/invert", "bar", "invert")]
    [InlineData("/invert", "foo", "(none)")]
    [InlineData("/invert", null, "(none)")] // Envoy: an absent header fails an inverted value match
    [InlineData("/invert-present", null, "invert-present")]
    [InlineData("/invert-present", "x", "(none)")]
    [InlineData("/missing-as-empty", null, "missing-as-empty")]
    [InlineData("/missing-as-empty", "", "missing-as-empty")]
    [InlineData("/missing-as-empty", "x", "(none)")]
    [InlineData("/deprecated-exact", "foo", "deprecated-exact")]
    [InlineData("/deprecated-exact", "fo", "(none)")]
    [InlineData("/deprecated-exact-empty", "whatever", "deprecated-exact-empty")]
    [InlineData("/deprecated-exact-empty", null, "(none)")]
    [InlineData("/deprecated-forms", "ab-mid-yz", "deprecated-forms")]
    [InlineData("/deprecated-forms", "ab-yz", "(none)")]
    public void MatchesHeaders(string path, string? value, string expected)
    {
        var headers = value is null ? [] : new[] { ("X-A", value) };
        Assert.Equal(expected, HeaderTable.RouteName(path, headers));
    }

    [Fact]
    public void OnlyTheFirstFieldOfANameIsExamined() =>
        Assert.Equal("(none)", HeaderTable.RouteName("/exact", ("x-a", "bar"), ("x-a", "Foo")));

    [Fact]
    public void EveryHeaderMatcherMustMatch()
    {
        Assert.Equal("all-must-match", HeaderTable.RouteName("/all", ("x-a", "1"), ("x-b", "2")));
        Assert.Equal("(none)", HeaderTable.RouteName("/all", ("x-a", "1")));
    }

    [Fact]
    public void MatchesPseudoHeaders()
    {
        var post = new TestRequest("example.com", "/method", "POST");
        Assert.Equal("method", HeaderTable.Match(ref post)?.Name);
        var get = new TestRequest("example.com", "/method", "GET");
        Assert.Null(HeaderTable.Match(ref get));

        Assert.Equal("authority", HeaderTable.Route("www.example.com", "/authority")?.Name);
        Assert.Null(HeaderTable.Route("example.org", "/authority"));
    }

    private static readonly RouteTable QueryTable = BindValid("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - name: exact
            match:
              path: /exact
              query_parameters: [{name: debug, string_match: {exact: "on"}}]
            route: {cluster: backend}
          - name: present
            match:
              path: /present
              query_parameters: [{name: debug, present_match: true}]
            route: {cluster: backend}
          - name: no-specifier
            match:
              path: /no-specifier
              query_parameters: [{name: debug}]
            route: {cluster: backend}
          - name: absent
            match:
              path: /absent
              query_parameters: [{name: debug, present_match: false}]
            route: {cluster: backend}
          - name: decoded
            match:
              path: /decoded
              query_parameters: [{name: "a b", string_match: {exact: "x&y=z"}}]
            route: {cluster: backend}
          - name: regex
            match:
              path: /regex
              query_parameters: [{name: id, string_match: {safe_regex: {regex: "[0-9]{3}"}}}]
            route: {cluster: backend}
          - name: ignore-case
            match:
              path: /ignore-case
              query_parameters: [{name: mode, string_match: {prefix: FAST, ignore_case: true}}]
            route: {cluster: backend}
        """);

    [Theory]
    [InlineData("/exact?debug=on", "exact")]
    [InlineData("/exact?x=1&debug=on&y=2", "exact")]
    [InlineData("/exact?debug=off", "(none)")]
    [InlineData("/exact?debug=off&debug=on", "(none)")] // the first occurrence decides
    [InlineData("/exact?debug", "(none)")]
    [InlineData("/exact", "(none)")]
    [InlineData("/exact?xdebug=on", "(none)")]
    [InlineData("/exact?debug=%6Fn", "exact")]
    [InlineData("/present?debug", "present")]
    [InlineData("/present?debug=", "present")]
    [InlineData("/present?a=1", "(none)")]
    [InlineData("/no-specifier?debug=1", "no-specifier")]
    [InlineData("/no-specifier", "(none)")]
    [InlineData("/absent", "absent")]
    [InlineData("/absent?debug=1", "(none)")]
    [InlineData("/decoded?a%20b=x%26y%3Dz", "decoded")]
    [InlineData("/decoded?a+b=x%26y%3Dz", "(none)")] // '+' is not a space, as in Envoy
    [InlineData("/decoded?a%20b=x%26y%3", "(none)")]
    [InlineData("/regex?id=123", "regex")]
    [InlineData("/regex?id=1234", "(none)")]
    [InlineData("/ignore-case?mode=fast-path", "ignore-case")]
    [InlineData("/ignore-case?mode=slow", "(none)")]
    public void MatchesQueryParameters(string target, string expected) => Assert.Equal(expected, QueryTable.RouteName(target));

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8)", "android")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "ios")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64)", "web")]
    [InlineData(null, "web")]
    public void RoutesByUserAgent(string? userAgent, string expectedCluster)
    {
        var table = BindValid("""
            virtual_hosts:
            - name: app
              domains: ["*"]
              routes:
              - match:
                  prefix: /
                  headers:
                  - name: user-agent
                    string_match: {contains: Android}
                route: {cluster: android}
              - match:
                  prefix: /
                  headers:
                  - name: user-agent
                    string_match: {contains: iPhone}
                route: {cluster: ios}
              - match: {prefix: /}
                route: {cluster: web}
            """);
        var headers = userAgent is null ? [] : new[] { ("User-Agent", userAgent) };
        Assert.Equal(expectedCluster, table.Route("app.example.com", "/home", headers)!.Route!.PickCluster()!.Name);
    }

    [Fact]
    public void FirstMatchingRouteWins()
    {
        var table = BindValid("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - name: broad
                match: {prefix: /}
                route: {cluster: a}
              - name: specific
                match: {path: /specific}
                route: {cluster: b}
            """);
        Assert.Equal("broad", table.RouteName("/specific"));
        Assert.Same(table.VirtualHosts[0].Routes[0], table.Route("x", "/specific"));
    }

    [Fact]
    public void AVirtualHostWithoutAMatchingRouteGivesNoRoute()
    {
        var table = BindValid("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match: {prefix: /api}
                route: {cluster: a}
            """);
        Assert.Null(table.Route("x", "/other"));
    }
}
