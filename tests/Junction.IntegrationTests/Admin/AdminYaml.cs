namespace Junction.IntegrationTests.Admin;

/// <summary>
/// Bootstrap YAML for the admin tests: admin on 127.0.0.1 port 0, a node, and one tcp_proxy listener
/// <c>in</c> (stat prefix <c>in</c>) forwarding to the cluster <c>backend</c>.
/// </summary>
internal static class AdminYaml
{
    public const string NodeId = "admin-test-node";
    public const string NodeCluster = "admin-tests";
    public const int MaxConnections = 77;

    /// <summary>The bootstrap; <paramref name="upstreamPort"/> is backend's one host, <paramref name="adminPort"/> admin's port.</summary>
    public static string Bootstrap(int upstreamPort, int adminPort = 0) => $$"""
        node: { id: {{NodeId}}, cluster: {{NodeCluster}} }
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: {{adminPort}} } }
        static_resources:
          listeners:
          - name: in
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: in
                  cluster: backend
          clusters:
          - name: backend
            connect_timeout: 1s
            circuit_breakers: { thresholds: [ { priority: DEFAULT, max_connections: {{MaxConnections}} } ] }
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{upstreamPort}} } } }
                  load_balancing_weight: 3
        """;
}
