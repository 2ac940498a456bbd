using System.Text;
using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>Header changes at every level, and the order Envoy applies them in.</summary>
public sealed class HeaderMutationTests
{
    private const string Levels = """
        request_headers_to_remove: [x-config-removed]
        request_headers_to_add:
        - header: {key: x-level, value: config}
        response_headers_to_add:
        - header: {key: x-level, value: config}
        virtual_hosts:
        - name: vh
          domains: ["*"]
          request_headers_to_add:
          - header: {key: x-level, value: vhost}
          request_headers_to_remove: [x-vhost-removed]
          response_headers_to_add:
          - header: {key: x-level, value: vhost}
          routes:
          - match: {prefix: /weighted}
            route:
              weighted_clusters:
                clusters:
                - name: a
                  weight: 1
                  request_headers_to_add:
                  - header: {key: x-level, value: cluster}
                  response_headers_to_remove: [x-cluster-removed]
            request_headers_to_add:
            - header: {key: x-level, value: route}
          - match: {prefix: /}
            route: {cluster: backend}
            request_headers_to_add:
            - header: {key: X-Level, value: route}
            request_headers_to_remove: [X-Route-Removed]
            response_headers_to_add:
            - header: {key: x-level, value: route}
        """;

    private static string[] Describe(IReadOnlyList<HeaderMutation> mutations) =>
        mutations.Select(m => m.Kind == HeaderMutationKind.Remove ? $"-{m.Name}" : $"{m.Name}={Encoding.UTF8.GetString(m.Value)}").ToArray();

    [Fact]
    public void MostSpecificLevelRunsFirstByDefault()
    {
        var route = BindValid(Levels).Route("x", "/")!;
        // Route, then virtual host, then route configuration, each removing before adding: the
        // least specific level has the last word, as in Envoy.
        Assert.Equal(
            ["-x-route-removed", "x-level=route", "-x-vhost-removed", "x-level=vhost", "-x-config-removed", "x-level=config"],
            Describe(route.RequestHeaderMutations));
        Assert.Equal(["x-level=route", "x-level=vhost", "x-level=config"], Describe(route.ResponseHeaderMutations));
        // A single cluster has no changes of its own.
        Assert.Empty(route.Route!.PickCluster()!.RequestHeaderMutations);
        Assert.Empty(route.Route.PickCluster()!.ResponseHeaderMutations);
    }

    [Fact]
    public void MostSpecificHeaderMutationsWinsReversesTheLevels()
    {
        var route = BindValid("most_specific_header_mutations_wins: true\n" + Levels).Route("x", "/")!;
        Assert.Equal(
            ["-x-config-removed", "x-level=config", "-x-vhost-removed", "x-level=vhost", "-x-route-removed", "x-level=route"],
            Describe(route.RequestHeaderMutations));
        Assert.Equal(["x-level=config", "x-level=vhost", "x-level=route"], Describe(route.ResponseHeaderMutations));
    }

    [Fact]
    public void WeightedClusterEntryKeepsItsOwnChanges()
    {
        var route = BindValid(Levels).Route("x", "/weighted")!;
        var cluster = route.Route!.PickCluster()!;
        // Envoy applies these before the route's list, which stays the same for every cluster.
        Assert.Equal(["x-level=cluster"], Describe(cluster.RequestHeaderMutations));
        Assert.Equal(["-x-cluster-removed"], Describe(cluster.ResponseHeaderMutations));
        Assert.Equal(["x-level=route", "-x-vhost-removed", "x-level=vhost", "-x-config-removed", "x-level=config"], Describe(route.RequestHeaderMutations));
        Assert.Equal(["x-level=vhost", "x-level=config"], Describe(route.ResponseHeaderMutations));
    }

    [Theory]
    [InlineData("", nameof(HeaderAppendAction.AppendIfExistsOrAdd))]
    [InlineData("append: true", nameof(HeaderAppendAction.AppendIfExistsOrAdd))]
    [InlineData("append: false", nameof(HeaderAppendAction.OverwriteIfExistsOrAdd))]
    [InlineData("append_action: APPEND_IF_EXISTS_OR_ADD", nameof(HeaderAppendAction.AppendIfExistsOrAdd))]
    [InlineData("append_action: ADD_IF_ABSENT", nameof(HeaderAppendAction.AddIfAbsent))]
    [InlineData("append_action: OVERWRITE_IF_EXISTS_OR_ADD", nameof(HeaderAppendAction.OverwriteIfExistsOrAdd))]
    [InlineData("append_action: OVERWRITE_IF_EXISTS", nameof(HeaderAppendAction.OverwriteIfExists))]
    public void AppendActions(string option, string expected)
    {
        var table = BindValid($$"""
            response_headers_to_add:
            - header: {key: x-a, value: b}
              {{option}}
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match: {prefix: /}
                route: {cluster: backend}
            """);
        var mutation = Assert.Single(table.Route("x", "/")!.ResponseHeaderMutations);
        Assert.Equal(HeaderMutationKind.Add, mutation.Kind);
        Assert.Equal(expected, mutation.AppendAction.ToString());
    }

    [Fact]
    public void ValuesAreLiteralsWithPercentEscaped()
    {
        var table = BindValid("""
            request_headers_to_add:
            - header: {key: X-Discount, value: "50%% off"}
            - header: {key: x-empty, value: ""}
            - header: {key: x-kept-empty, value: ""}
              keep_empty_value: true
            - header: {key: x-unicode, value: "caf\u00e9"}
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match: {prefix: /}
                route: {cluster: backend}
            """);
        var mutations = table.Route("x", "/")!.RequestHeaderMutations;
        // An empty value is not added unless keep_empty_value (Envoy).
        Assert.Equal(["x-discount=50% off", "x-kept-empty=", "x-unicode=café"], Describe(mutations));
        Assert.Equal("x-discount"u8.ToArray(), mutations[0].NameBytes);
        Assert.Equal("café"u8.ToArray(), mutations[2].Value);
    }

    [Fact]
    public void InternalOnlyHeadersAreLowerCased()
    {
        var table = BindValid("""
            internal_only_headers: [X-Internal-Token, x-debug]
            virtual_hosts: []
            """);
        Assert.Equal(["x-internal-token", "x-debug"], table.InternalOnlyHeaders);
        Assert.Equal("x-debug"u8.ToArray(), table.InternalOnlyHeaderBytes[1]);
    }
}
