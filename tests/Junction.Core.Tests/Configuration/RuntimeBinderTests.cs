namespace Junction.Core.Tests.Configuration;

public sealed class RuntimeBinderTests
{
    private const string Listener = """
        static_resources:
          listeners:
          - name: ingress.v1
            address: { socket_address: { address: 127.0.0.1, port_value: 80 } }
            filter_chains: [{ filters: [{ name: echo }] }]

        """;

    [Fact]
    public void Listener_connection_limit_binds_for_a_listener_whose_name_has_dots()
    {
        var config = ConfigAssert.BindValid(Listener + """
            layered_runtime:
              layers:
              - name: base
                static_layer:
                  envoy.resource_limits.listener.ingress.v1.connection_limit: 10
            """);

        Assert.Equal("10", config.Runtime.Values["envoy.resource_limits.listener.ingress.v1.connection_limit"].Value);
    }

    [Fact]
    public void Later_layers_override_earlier_ones()
    {
        var config = ConfigAssert.BindValid(Listener + """
            layered_runtime:
              layers:
              - name: base
                static_layer: { envoy.resource_limits.listener.ingress.v1.connection_limit: 10 }
              - name: site
                static_layer: { envoy: { resource_limits.listener.ingress.v1.connection_limit: 20 } }
            """);

        var value = Assert.Single(config.Runtime.Values).Value;
        Assert.Equal("20", value.Value);
        Assert.Equal("layered_runtime.layers[1].static_layer.envoy.resource_limits.listener.ingress.v1.connection_limit", value.Path);
    }

    [Theory]
    [InlineData("envoy.reloadable_features.foo: true", 10, 38, "envoy.reloadable_features.foo", "unknown runtime key 'envoy.reloadable_features.foo'")]
    [InlineData("envoy.resource_limits.listener.missing.connection_limit: 5", 10, 64, "envoy.resource_limits.listener.missing.connection_limit",
        "runtime key 'envoy.resource_limits.listener.missing.connection_limit' refers to listener 'missing', which is not defined")]
    [InlineData("envoy.resource_limits.listener.ingress.v1.connection_limit: -5", 10, 67, "envoy.resource_limits.listener.ingress.v1.connection_limit",
        "needs a non-negative integer, found '-5'")]
    [InlineData("envoy.resource_limits.listener.ingress.v1.connection_limit: lots", 10, 67, "envoy.resource_limits.listener.ingress.v1.connection_limit",
        "needs a non-negative integer, found 'lots'")]
    [InlineData("envoy.resource_limits.listener.ingress.v1.connection_limit: [1]", 10, 67, "envoy.resource_limits.listener.ingress.v1.connection_limit",
        "runtime values must be scalars or mappings, found a sequence")]
    public void Bad_runtime_key_or_value_is_reported_at_the_value(string entry, int line, int column, string key, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(Listener + $$"""
            layered_runtime:
              layers:
              - name: base
                static_layer:
                  {{entry}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column, "layered_runtime.layers[0].static_layer." + key, message);
    }

    [Fact]
    public void Same_key_twice_in_one_layer_is_an_error()
    {
        var (_, diagnostics) = ConfigAssert.Bind(Listener + """
            layered_runtime:
              layers:
              - static_layer:
                  envoy.resource_limits.listener.ingress.v1.connection_limit: 1
                  envoy: { resource_limits: { listener: { ingress.v1: { connection_limit: 2 } } } }
            """);

        ConfigAssert.SingleError(diagnostics, 10, 79,
            "layered_runtime.layers[0].static_layer.envoy.resource_limits.listener.ingress.v1.connection_limit",
            "is set more than once in this layer");
    }

    [Theory]
    [InlineData("disk_layer: { symlink_root: /srv/runtime }", 8, 17, "layered_runtime.layers[0].disk_layer", "field 'disk_layer' is not supported: only static_layer is supported")]
    [InlineData("admin_layer: {}", 8, 18, "layered_runtime.layers[0].admin_layer", "field 'admin_layer' is not supported")]
    [InlineData("rtds_layer: {}", 8, 17, "layered_runtime.layers[0].rtds_layer", "field 'rtds_layer' is not supported")]
    [InlineData("name: empty", 8, 5, "layered_runtime.layers[0]", "a runtime layer needs exactly one of static_layer, disk_layer, admin_layer, rtds_layer")]
    public void Layer_kinds_other_than_static_are_reported(string layer, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(Listener + $$"""
            layered_runtime:
              layers:
              - {{layer}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column, path, message);
    }
}
