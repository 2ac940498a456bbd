namespace Junction.IntegrationTests.ProcessTests;

/// <summary>Bootstrap YAML for the process tests: listeners on 127.0.0.1 port 0 unless a test needs a given port.</summary>
internal static class ProcessTestConfigs
{
    /// <summary>One tcp_proxy listener named "in" on <paramref name="listenerPort"/> forwarding to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static string TcpProxy(int upstreamPort, int listenerPort = 0) => $$"""
        static_resources:
          listeners:
          - name: in
            address: { socket_address: { address: 127.0.0.1, port_value: {{listenerPort}} } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: in
                  cluster: upstream
          clusters:
          - name: upstream
            connect_timeout: 1s
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{upstreamPort}} } } }
        """;
}
