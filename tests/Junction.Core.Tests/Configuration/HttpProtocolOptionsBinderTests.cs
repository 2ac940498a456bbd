namespace Junction.Core.Tests.Configuration;

public sealed class HttpProtocolOptionsBinderTests
{
    private static string Cluster(string options) => $$"""
        static_resources:
          clusters:
          - name: web
            {{options}}
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
        """;

    [Fact]
    public void DefaultsAreEnvoys()
    {
        var options = ConfigAssert.BindValid(Cluster("connect_timeout: 1s")).Clusters[0].HttpOptions;
        Assert.Equal(TimeSpan.FromHours(1), options.IdleTimeout);
        Assert.Null(options.MaxRequestsPerConnection);
    }

    [Fact]
    public void TypedExtensionProtocolOptionsAreBound()
    {
        var options = ConfigAssert.BindValid(Cluster("""typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, common_http_protocol_options: { idle_timeout: 2s, max_requests_per_connection: 50 }, explicit_http_config: { http_protocol_options: {} } } }""")).Clusters[0].HttpOptions;
        Assert.Equal(TimeSpan.FromSeconds(2), options.IdleTimeout);
        Assert.Equal(50, options.MaxRequestsPerConnection);
    }

    [Fact]
    public void DeprecatedClusterLevelCommonOptionsAreAccepted()
    {
        var options = ConfigAssert.BindValid(Cluster("common_http_protocol_options: { idle_timeout: 0s }")).Clusters[0].HttpOptions;
        Assert.Null(options.IdleTimeout);
    }

    [Fact]
    public void Http2UpstreamOptionsAreBound()
    {
        var options = ConfigAssert.BindValid(Cluster("""typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 50, initial_stream_window_size: 131072 } } } }""")).Clusters[0].HttpOptions;
        Assert.NotNull(options.Http2);
        Assert.Equal(50, options.Http2.MaxConcurrentStreams);
        Assert.Equal(131072, options.Http2.InitialStreamWindowSize);
        Assert.Equal(Junction.Upstream.UpstreamHttp2Options.Default.InitialConnectionWindowSize, options.Http2.InitialConnectionWindowSize);
    }

    [Fact]
    public void DeprecatedClusterLevelHttp2OptionsMeanHttp2()
    {
        var options = ConfigAssert.BindValid(Cluster("http2_protocol_options: {}")).Clusters[0].HttpOptions;
        Assert.Equal(Junction.Upstream.UpstreamHttp2Options.Default, options.Http2);
    }

    [Theory]
    [InlineData("explicit_http_config: { http2_protocol_options: { allow_connect: true } }", "allow_connect")]
    [InlineData("explicit_http_config: { http2_protocol_options: { initial_stream_window_size: 100 } }", "out of range")]
    [InlineData("explicit_http_config: { http_protocol_options: {}, http2_protocol_options: {} }", "takes one of")]
    public void BadHttp2UpstreamOptionsAreRefused(string explicitConfig, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(Cluster($$"""typed_extension_protocol_options: { envoy.extensions.upstreams.http.v3.HttpProtocolOptions: { {{explicitConfig}} } }"""));
        var error = Assert.Single(diagnostics.Errors);
        Assert.Contains(message, error.Message);
        Assert.Equal(4, error.Mark.Line);
    }

    [Fact]
    public void UnknownProtocolOptionsAreRefused()
    {
        var (_, diagnostics) = ConfigAssert.Bind(Cluster("""typed_extension_protocol_options: { envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions: { "@type": type.googleapis.com/envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions } }"""));
        var error = Assert.Single(diagnostics.Errors);
        Assert.Contains("are not supported", error.Message);
    }
}
