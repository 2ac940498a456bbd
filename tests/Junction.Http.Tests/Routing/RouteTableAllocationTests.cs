using System.Text;
using Junction.Http.Routing;

namespace Junction.Http.Tests.Routing;

/// <summary>Routing a request allocates nothing once warm.</summary>
public sealed class RouteTableAllocationTests
{
    private static RouteTable HundredRoutes()
    {
        var yaml = new StringBuilder("""
            virtual_hosts:
            - name: other
              domains: [other.example, "*.other.example"]
            - name: services
              domains: [api.example.com, "api.*"]
              routes:

            """);
        for (var i = 0; i < 100; i++)
        {
            yaml.Append($$$"""
                  - name: route-{{{i}}}
                    match:
                      prefix: /svc{{{i}}}/
                      headers:
                      - {name: x-tenant, string_match: {exact: tenant-{{{i}}}}}
                      - {name: user-agent, string_match: {contains: mobile, ignore_case: true}, invert_match: true}
                    route: {cluster: backend}

                """);
        }
        return RouteTables.BindValid(yaml.ToString());
    }

    [Fact]
    public void PrefixAndHeaderMatchOnAHundredRoutesAllocatesNothing()
    {
        var table = HundredRoutes();
        var request = new TestRequest("API.example.com:8443", "/svc99/items/42?page=2", "GET",
            ("Accept", "*/*"), ("User-Agent", "curl/8.5"), ("X-Tenant", "tenant-99"));
        Assert.Equal("route-99", table.Match(ref request)?.Name);

        var before = GC.GetAllocatedBytesForCurrentThread();
        RouteEntry? entry = null;
        for (var i = 0; i < 1000; i++) entry = table.Match(ref request);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("route-99", entry?.Name);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void RegexAndQueryMatchesAllocateNothingOnceWarm()
    {
        var table = RouteTables.BindValid("""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - name: regex
                match:
                  safe_regex: {regex: "/items/[0-9]+"}
                  headers: [{name: x-version, string_match: {safe_regex: {regex: "v[0-9]+"}}}]
                  query_parameters: [{name: q, string_match: {exact: "a b", ignore_case: true}}]
                route: {cluster: backend}
            """);
        var request = new TestRequest("example.com", "/items/42?x=1&q=A%20B", "GET", ("x-version", "v2"));
        Assert.Equal("regex", table.Match(ref request)?.Name);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) table.Match(ref request);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
