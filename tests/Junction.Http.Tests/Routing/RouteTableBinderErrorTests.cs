using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>Each class of configuration error is reported once, at the node that causes it.</summary>
public sealed class RouteTableBinderErrorTests
{
    [Fact]
    public void UnknownFieldIsNamedAtItsKey() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              timeoutt: 5s
        """, 9, 7, "virtual_hosts[0].routes[0].route.timeoutt", "unknown field 'timeoutt'");

    [Fact]
    public void TwoPathSpecifiersAreReportedAtTheSecond() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /a
              path: /a
            route:
              cluster: backend
        """, 7, 13, "virtual_hosts[0].routes[0].match.path",
        "only one of prefix, path, safe_regex, path_separated_prefix may be set, but 'prefix' is set too");

    [Fact]
    public void MissingPathSpecifierIsReportedAtTheMatch() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              case_sensitive: false
            route:
              cluster: backend
        """, 6, 7, "virtual_hosts[0].routes[0].match", "one of prefix, path, safe_regex, path_separated_prefix is required");

    [Fact]
    public void UnknownClusterIsNamed() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: nope
        """, 8, 16, "virtual_hosts[0].routes[0].route.cluster", "unknown cluster 'nope'");

    [Fact]
    public void UnknownWeightedClusterIsNamed() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              weighted_clusters:
                clusters:
                - name: a
                  weight: 1
                - name: missing
                  weight: 1
        """, 12, 17, "virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name", "unknown cluster 'missing'");

    [Fact]
    public void UnknownClusterIsAcceptedWhenValidateClustersIsFalse()
    {
        var table = BindValid("""
            validate_clusters: false
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match:
                  prefix: /
                route:
                  cluster: later
            """);
        Assert.Equal("later", table.Route("x", "/")!.Route!.PickCluster()!.Name);
    }

    [Fact]
    public void InvalidRegexIsReportedAtThePattern() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              safe_regex:
                regex: "a(b"
            route:
              cluster: backend
        """, 7, 16, "virtual_hosts[0].routes[0].match.safe_regex.regex", "invalid regex 'a(b'");

    [Fact]
    public void BacktrackingRegexConstructIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
              headers:
              - name: x-a
                string_match:
                  safe_regex:
                    regex: "(a)\\1"
            route:
              cluster: backend
        """, 11, 20, "virtual_hosts[0].routes[0].match.headers[0].string_match.safe_regex.regex", "is not supported");

    [Fact]
    public void RouteIdleTimeoutMustBeADuration() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route:
              cluster: backend
              idle_timeout: soon
        """, 8, 21, "virtual_hosts[0].routes[0].route.idle_timeout", "duration");

    [Fact]
    public void GoogleRe2ProgramSizeIsUnsupported() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              safe_regex:
                google_re2:
                  max_program_size: 100
                regex: "/a"
            route:
              cluster: backend
        """, 8, 29, "virtual_hosts[0].routes[0].match.safe_regex.google_re2.max_program_size", "field 'max_program_size' is not supported");

    [Fact]
    public void DuplicateDomainAcrossVirtualHostsIsRejected() => SingleError("""
        virtual_hosts:
        - name: one
          domains: [example.com, "*"]
        - name: two
          domains: [other.com, EXAMPLE.com]
        """, 5, 24, "virtual_hosts[1].domains[1]", "duplicate domain 'EXAMPLE.com' (already in virtual host 'one' at line 3)");

    [Fact]
    public void SecondCatchAllDomainIsRejected() => SingleError("""
        virtual_hosts:
        - name: one
          domains: ["*"]
        - name: two
          domains: ["*"]
        """, 5, 13, "virtual_hosts[1].domains[0]", "only one virtual host may have the domain '*'");

    [Fact]
    public void VirtualHostNeedsDomains() => SingleError("""
        virtual_hosts:
        - name: one
          domains: []
        """, 3, 12, "virtual_hosts[0].domains", "domains must list at least one domain");

    [Fact]
    public void UnknownRedirectCodeListsTheAcceptedOnes() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            redirect:
              response_code: MOVED
        """, 8, 22, "virtual_hosts[0].routes[0].redirect.response_code",
        "unknown value 'MOVED' (expected one of: MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT)");

    [Fact]
    public void FormatterInHeaderValueIsRejected() => SingleError("""
        request_headers_to_add:
        - header:
            key: x-client
            value: "%DOWNSTREAM_REMOTE_ADDRESS%"
        virtual_hosts: []
        """, 4, 12, "request_headers_to_add[0].header.value", "header value formatters are not supported yet");

    [Fact]
    public void TotalWeightMustEqualTheSum() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              weighted_clusters:
                total_weight: 100
                clusters:
                - name: a
                  weight: 30
                - name: b
                  weight: 60
        """, 9, 23, "virtual_hosts[0].routes[0].route.weighted_clusters.total_weight", "total_weight is 100 but the cluster weights add up to 90");

    [Fact]
    public void WeightsMustNotAllBeZero() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              weighted_clusters:
                clusters:
                - name: a
        """, 10, 9, "virtual_hosts[0].routes[0].route.weighted_clusters.clusters", "the cluster weights must add up to more than 0");

    [Fact]
    public void RouteNeedsAnAction() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - name: no-action
            match:
              prefix: /
        """, 5, 5, "virtual_hosts[0].routes[0]", "one of route, redirect, direct_response is required");

    [Fact]
    public void RouteWithTwoActionsIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
            direct_response:
              status: 200
        """, 10, 7, "virtual_hosts[0].routes[0].direct_response", "only one of route, redirect, direct_response may be set, but 'route' is set too");

    [Fact]
    public void UnsupportedRouteActionFieldIsNamed() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              hedge_policy: {initial_requests: 2}
        """, 9, 21, "virtual_hosts[0].routes[0].route.hedge_policy", "field 'hedge_policy' is not supported");

    [Fact]
    public void UnsupportedMatchFieldIsNamed() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
              runtime_fraction: {runtime_key: k}
            route:
              cluster: backend
        """, 7, 25, "virtual_hosts[0].routes[0].match.runtime_fraction", "field 'runtime_fraction' is not supported");

    [Fact]
    public void RangeMatchIsUnsupported() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
              headers:
              - name: x-n
                range_match: {start: 1, end: 5}
            route:
              cluster: backend
        """, 9, 22, "virtual_hosts[0].routes[0].match.headers[0].range_match", "field 'range_match' is not supported");

    [Fact]
    public void DirectResponseStatusOutOfRangeIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            direct_response:
              status: 100
        """, 8, 15, "virtual_hosts[0].routes[0].direct_response.status", "100 is out of range [200, 599]");

    [Fact]
    public void DirectResponseBodyOverTheLimitIsRejected() => SingleError("""
        max_direct_response_body_size_bytes: 4
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            direct_response:
              status: 200
              body:
                inline_string: "too long"
        """, 11, 9, "virtual_hosts[0].routes[0].direct_response.body", "the body is 8 bytes, more than max_direct_response_body_size_bytes (4)");

    [Fact]
    public void RemovingPseudoHeaderIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          request_headers_to_remove: [x-ok, ":path"]
        """, 4, 37, "virtual_hosts[0].request_headers_to_remove[1]", "pseudo-headers cannot be added or removed");

    [Fact]
    public void RemovingHostIsRejected() => SingleError("""
        response_headers_to_remove: [Host]
        virtual_hosts: []
        """, 1, 30, "response_headers_to_remove[0]", "'host' cannot be added or removed");

    [Fact]
    public void AppendAndAppendActionTogetherAreRejected() => SingleError("""
        response_headers_to_add:
        - header: {key: x-a, value: b}
          append: false
          append_action: ADD_IF_ABSENT
        virtual_hosts: []
        """, 4, 18, "response_headers_to_add[0].append_action", "set either append (deprecated) or append_action, not both");

    [Fact]
    public void PathHeaderMatcherIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
              headers:
              - name: ":path"
                present_match: true
            route:
              cluster: backend
        """, 8, 15, "virtual_hosts[0].routes[0].match.headers[0].name", "matching ':path' as a header is not supported");

    [Fact]
    public void PathSeparatedPrefixMustNotEndWithSlash() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              path_separated_prefix: /api/
            route:
              cluster: backend
        """, 6, 30, "virtual_hosts[0].routes[0].match.path_separated_prefix", "must not end with '/'");

    [Fact]
    public void SubstitutionGroupMustExist() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match:
              prefix: /
            route:
              cluster: backend
              regex_rewrite:
                pattern:
                  regex: "^/(a)$"
                substitution: "/\\2"
        """, 12, 23, "virtual_hosts[0].routes[0].route.regex_rewrite.substitution", "refers to group \\2 but the pattern has 1 group(s)");

    [Fact]
    public void ErrorsAcrossTheConfigurationAreAllReported()
    {
        var (table, diagnostics) = Bind("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match:
                  prefix: /
                route:
                  cluster: nope
              - match:
                  prefix: /
                  bogus: 1
                redirect:
                  response_code: 999
            """);
        Assert.Null(table);
        Assert.Equal(3, diagnostics.Errors.Count);
    }
}
