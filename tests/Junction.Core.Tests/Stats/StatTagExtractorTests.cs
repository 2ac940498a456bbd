using Junction.Core.Stats;

namespace Junction.Core.Tests.Stats;

public sealed class StatTagExtractorTests
{
    [Theory]
    [InlineData("cluster.backend.upstream_cx_total", "cluster.upstream_cx_total", "envoy_cluster_name", "backend")]
    [InlineData("cluster.backend.circuit_breakers.default.cx_open", "cluster.circuit_breakers.default.cx_open", "envoy_cluster_name", "backend")]
    [InlineData("tcp.ingress_tcp.idle_timeout", "tcp.idle_timeout", "envoy_tcp_prefix", "ingress_tcp")]
    [InlineData("http.ingress_http.downstream_rq_total", "http.downstream_rq_total", "envoy_http_conn_manager_prefix", "ingress_http")]
    [InlineData("listener.admin.downstream_cx_total", "listener.downstream_cx_total", "envoy_listener_address", "admin")]
    // The default listener stat prefix is ADDRESS_PORT, dots and all.
    [InlineData("listener.127.0.0.1_15000.downstream_cx_total", "listener.downstream_cx_total", "envoy_listener_address", "127.0.0.1_15000")]
    [InlineData("listener.::1_8080.downstream_cx_active", "listener.downstream_cx_active", "envoy_listener_address", "::1_8080")]
    [InlineData("listener.[::]_80.downstream_cx_active", "listener.downstream_cx_active", "envoy_listener_address", "[::]_80")]
    public void TagIsTakenOutOfTheName(string name, string tagged, string tagName, string tagValue)
    {
        var result = StatTagExtractor.Extract(name);
        Assert.Equal(tagged, result.Name);
        Assert.Equal(tagName, result.TagName);
        Assert.Equal(tagValue, result.TagValue);
    }

    [Theory]
    [InlineData("access_log.dropped_lines")]
    [InlineData("cluster.lonely")] // nothing after the value
    [InlineData("cluster..x")] // empty value
    [InlineData("clusters.a.b")]
    [InlineData("server")]
    public void NamesWithoutAKnownTagAreLeftAlone(string name)
    {
        var result = StatTagExtractor.Extract(name);
        Assert.Equal(name, result.Name);
        Assert.Null(result.TagName);
        Assert.Null(result.TagValue);
        Assert.Equal(name, result.Pattern);
    }

    [Fact]
    public void PatternMarksWhereTheTagWas()
    {
        Assert.Equal("cluster.<envoy_cluster_name>.upstream_cx_total", StatTagExtractor.Extract("cluster.b.upstream_cx_total").Pattern);
    }
}
