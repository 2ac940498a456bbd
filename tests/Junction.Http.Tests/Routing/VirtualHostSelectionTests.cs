using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

/// <summary>Envoy's domain rules: exact, then longest suffix wildcard, then longest prefix wildcard, then '*'.</summary>
public sealed class VirtualHostSelectionTests
{
    private static readonly RouteTable Table = BindValid("""
        virtual_hosts:
        - name: exact
          domains: [example.com]
        - name: api
          domains: [api.example.com]
        - name: suffix-example
          domains: ["*.example.com"]
        - name: suffix-bar
          domains: ["*-bar.foo.com"]
        - name: suffix-com
          domains: ["*.com"]
        - name: prefix-foo
          domains: ["foo.*"]
        - name: prefix-foo-bar
          domains: ["foo.bar.*"]
        - name: with-port
          domains: ["localhost:8080"]
        - name: ipv6
          domains: ["[::1]"]
        - name: default
          domains: ["*"]
        """);

    [Theory]
    [InlineData("example.com", "exact")]
    [InlineData("EXAMPLE.COM", "exact")]
    [InlineData("Example.Com", "exact")]
    [InlineData("api.example.com", "api")]
    [InlineData("www.example.com", "suffix-example")]
    [InlineData("a.b.example.com", "suffix-example")]
    [InlineData("baz-bar.foo.com", "suffix-bar")]
    [InlineData("-bar.foo.com", "suffix-com")] // the '*' must stand for at least one character
    [InlineData("other.com", "suffix-com")]
    [InlineData("foo.org", "prefix-foo")]
    [InlineData("foo.bar.org", "prefix-foo-bar")] // the longest prefix wins
    [InlineData("foo.", "default")]
    [InlineData("example.com:8080", "exact")] // no domain has the port: retried without it
    [InlineData("www.example.com:443", "suffix-example")]
    [InlineData("localhost:8080", "with-port")] // the whole authority matches first
    [InlineData("localhost:9090", "default")]
    [InlineData("localhost", "default")]
    [InlineData("[::1]:80", "ipv6")]
    [InlineData("[::1]", "ipv6")]
    [InlineData("::1", "default")] // a bare IPv6 address has no port to strip
    [InlineData("example.com  ", "exact")] // trailing whitespace is ignored
    [InlineData("example.com\t", "exact")]
    [InlineData("", "default")]
    [InlineData("unknown.org", "default")]
    [InlineData("example.com:http", "default")] // a port must be digits
    public void PicksTheVirtualHostByEnvoysRules(string authority, string expected) =>
        Assert.Equal(expected, Table.SelectVirtualHost(System.Text.Encoding.UTF8.GetBytes(authority))?.Name);

    [Fact]
    public void WithoutACatchAllAnUnknownHostHasNoRoute()
    {
        var table = BindValid("""
            virtual_hosts:
            - name: only
              domains: [example.com]
              routes:
              - match: {prefix: /}
                route: {cluster: backend}
            """);
        Assert.NotNull(table.Route("example.com", "/"));
        Assert.Null(table.Route("other.com", "/"));
    }

    [Fact]
    public void IgnorePortInHostMatchingStripsThePortFirst()
    {
        const string Domains = """
            virtual_hosts:
            - name: exact
              domains: [a.com]
            - name: prefix
              domains: ["a.*"]
            """;
        // Without the option, "a.com:80" as a whole matches the prefix wildcard before the port is dropped.
        Assert.Equal("prefix", BindValid(Domains).SelectVirtualHost("a.com:80"u8)?.Name);
        Assert.Equal("exact", BindValid("ignore_port_in_host_matching: true\n" + Domains).SelectVirtualHost("a.com:80"u8)?.Name);
    }

    [Theory]
    [InlineData("example.com:80", 11)]
    [InlineData("example.com:", 11)]
    [InlineData("example.com", -1)]
    [InlineData("[::1]:443", 5)]
    [InlineData("[::1]", -1)]
    [InlineData("::1", -1)]
    [InlineData("a:b", -1)]
    public void FindsThePort(string authority, int expected) =>
        Assert.Equal(expected, VirtualHostSelector.PortStart(System.Text.Encoding.UTF8.GetBytes(authority)));
}
