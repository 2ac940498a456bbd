namespace Junction.Core.Tests.Configuration;

public sealed class ListenerSocketOptionsTests
{
    private static string Listener(string extra, string address = "127.0.0.1", string socketExtra = "") => $$"""
        static_resources:
          listeners:
          - name: l
            address: { socket_address: { address: "{{address}}", port_value: 0{{socketExtra}} } }
            {{extra}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.direct_response
        """;

    [Fact]
    public void BacklogDefaultsToEnvoysValueAndCanBeSet()
    {
        Assert.Equal(1024, ConfigAssert.BindValid(Listener("stat_prefix: x")).Listeners[0].Backlog);
        Assert.Equal(64, ConfigAssert.BindValid(Listener("tcp_backlog_size: 64")).Listeners[0].Backlog);
    }

    [Fact]
    public void BacklogMustBePositive()
    {
        var (_, diagnostics) = ConfigAssert.Bind(Listener("tcp_backlog_size: 0"));
        var error = Assert.Single(diagnostics.Errors);
        Assert.Equal("static_resources.listeners[0].tcp_backlog_size", error.Path);
        Assert.Equal(5, error.Mark.Line);
    }

    [Fact]
    public void Ipv4CompatIsCarriedToTheAddress()
    {
        var config = ConfigAssert.BindValid(Listener("stat_prefix: x", "::", ", ipv4_compat: true"));
        Assert.True(config.Listeners[0].Address.Ipv4Compat);
        Assert.False(ConfigAssert.BindValid(Listener("stat_prefix: x", "::")).Listeners[0].Address.Ipv4Compat);
    }
}
