using System.Net;
using Junction.Http.Routing;
using static Junction.Http.Tests.Routing.RouteTables;

namespace Junction.Http.Tests.Routing;

public sealed class HashPolicyTests
{
    private static HashPolicy[] Policies(string hashPolicy)
    {
        var table = BindValid($$"""
            virtual_hosts:
            - name: vh
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route:
                  cluster: backend
                  hash_policy: {{hashPolicy}}
            """);
        return table.VirtualHosts[0].Routes[0].Route!.HashPolicies;
    }

    private static ulong? Hash(HashPolicy[] policies, string target, EndPoint? source = null, params (string, string)[] headers)
    {
        var request = new TestRequest("h", target, "GET", headers);
        return HashPolicy.Compute(policies, ref request, source);
    }

    [Fact]
    public void AHeaderHashDependsOnlyOnTheHeaderValue()
    {
        var policies = Policies("[{ header: { header_name: X-User } }]");
        var alice = Hash(policies, "/a", null, ("x-user", "alice"));
        Assert.NotNull(alice);
        Assert.Equal(alice, Hash(policies, "/b?q=1", null, ("X-User", "alice")));
        Assert.NotEqual(alice, Hash(policies, "/a", null, ("x-user", "bob")));
        Assert.Null(Hash(policies, "/a"));
    }

    [Fact]
    public void CookieQueryAndSourceIpPoliciesHashTheirValues()
    {
        var cookie = Policies("[{ cookie: { name: session } }]");
        Assert.Equal(Hash(cookie, "/", null, ("cookie", "a=1; session=xyz")), Hash(cookie, "/", null, ("cookie", "session=\"xyz\"")));
        Assert.Null(Hash(cookie, "/", null, ("cookie", "sessionx=1")));

        var query = Policies("[{ query_parameter: { name: id } }]");
        Assert.Equal(Hash(query, "/?x=1&id=7"), Hash(query, "/p?id=7"));
        Assert.NotEqual(Hash(query, "/?id=7"), Hash(query, "/?id=8"));
        Assert.Null(Hash(query, "/?ids=7"));

        var source = Policies("[{ connection_properties: { source_ip: true } }]");
        var client = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 1000);
        Assert.Equal(Hash(source, "/", client), Hash(source, "/", new IPEndPoint(IPAddress.Parse("10.1.2.3"), 2000)));
        Assert.NotEqual(Hash(source, "/", client), Hash(source, "/", new IPEndPoint(IPAddress.Parse("10.1.2.4"), 1000)));
    }

    [Fact]
    public void ATerminalPolicyThatHashedStopsTheWalk()
    {
        var policies = Policies("[{ header: { header_name: a }, terminal: true }, { header: { header_name: b } }]");
        // With a present, b is never looked at; without a, b alone decides.
        Assert.Equal(Hash(policies, "/", null, ("a", "1")), Hash(policies, "/", null, ("a", "1"), ("b", "2")));
        var onlyB = Hash(policies, "/", null, ("b", "2"));
        Assert.Equal(onlyB, Hash(Policies("[{ header: { header_name: b } }]"), "/", null, ("b", "2")));

        var both = Policies("[{ header: { header_name: a } }, { header: { header_name: b } }]");
        Assert.NotEqual(Hash(both, "/", null, ("a", "1")), Hash(both, "/", null, ("a", "1"), ("b", "2")));
    }

    [Fact]
    public void ACookieTtlIsRejected() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: { prefix: / }
            route:
              cluster: backend
              hash_policy: [{ cookie: { name: s, ttl: 10s } }]
        """, 8, 47, "virtual_hosts[0].routes[0].route.hash_policy[0].cookie.ttl", "Junction does not generate hash cookies");

    [Fact]
    public void AHashPolicyNeedsOneKind() => SingleError("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: { prefix: / }
            route:
              cluster: backend
              hash_policy: [{ terminal: true }]
        """, 8, 21, "virtual_hosts[0].routes[0].route.hash_policy[0]", "one of header, cookie, connection_properties, query_parameter is required");
}
