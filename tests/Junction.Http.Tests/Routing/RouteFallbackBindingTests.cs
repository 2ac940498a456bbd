using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>junction_fallback, Junction's own route action field: one cluster or one direct response.</summary>
public sealed class RouteFallbackBindingTests
{
    private static string Route(string fallback) => $$"""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: { prefix: / }
            route: { cluster: backend, junction_fallback: {{fallback}} }
        """;

    [Fact]
    public void AClusterFallbackBinds()
    {
        var fallback = BindValid(Route("{ cluster: other }")).Route("a", "/")!.Route!.Fallback!;
        Assert.Equal("other", fallback.ClusterName);
        Assert.Null(fallback.DirectResponse);
    }

    [Fact]
    public void ADirectResponseFallbackBinds()
    {
        var fallback = BindValid(Route("{ direct_response: { status: 503, body: { inline_string: busy } } }")).Route("a", "/")!.Route!.Fallback!;
        Assert.Null(fallback.ClusterName);
        Assert.Equal(503, fallback.DirectResponse!.Status);
        Assert.Equal("busy"u8.ToArray(), fallback.DirectResponse.Body.ToArray());
    }

    [Fact]
    public void AnUnknownFallbackClusterIsAnError()
    {
        var (_, diagnostics) = Bind(Route("{ cluster: nowhere }"));
        Assert.Contains(diagnostics.Errors, e => e.Message.Contains("nowhere", StringComparison.Ordinal));
    }

    [Fact]
    public void BothKindsAtOnceIsAnError()
    {
        var (_, diagnostics) = Bind(Route("{ cluster: other, direct_response: { status: 503 } }"));
        Assert.Contains(diagnostics.Errors, e => e.Path.EndsWith("junction_fallback.direct_response", StringComparison.Ordinal) || e.Path.EndsWith("junction_fallback.cluster", StringComparison.Ordinal));
    }
}
