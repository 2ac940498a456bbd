using Junction.Core.Configuration;

namespace Junction.Core.Tests.Configuration;

public sealed class BootstrapBinderTests
{
    [Fact]
    public void Full_envoy_style_config_binds_every_field()
    {
        var config = ConfigAssert.BindValid("""
            node:
              id: edge-1
              cluster: edge
              metadata: { team: infra }
              locality: { zone: a }
            admin:
              address:
                socket_address: { address: 127.0.0.1, port_value: 9901 }
            static_resources:
              listeners:
              - name: ingress
                address:
                  socket_address:
                    address: 0.0.0.0
                    port_value: 10000
                stat_prefix: ingress_tcp
                per_connection_buffer_limit_bytes: 32768
                traffic_direction: INBOUND
                filter_chains:
                - name: default
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: ingress_tcp
                      cluster: backend
              - name: loopback6
                address:
                  socket_address: { address: "::1", port_value: 10001, protocol: TCP, ipv4_compat: true }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.echo
              clusters:
              - name: backend
                type: STATIC
                connect_timeout: 0.25s
                lb_policy: LEAST_REQUEST
                per_connection_buffer_limit_bytes: 65536
                circuit_breakers:
                  thresholds:
                  - priority: DEFAULT
                    max_connections: 100
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - locality: { zone: a }
                    lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: { address: 10.0.0.1, port_value: 8080 }
                      load_balancing_weight: 3
                    - endpoint:
                        hostname: b.internal
                        address:
                          socket_address: { address: 10.0.0.2, port_value: 8081 }
                      metadata: { filter_metadata: { lb: { canary: true } } }
              - name: dns
                type: STRICT_DNS
                lb_policy: RANDOM
                dns_lookup_family: V4_ONLY
                dns_refresh_rate: 30s
                connect_timeout: { seconds: 2, nanos: 500000000 }
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: { address: backend.example.com, port_value: 443 }
            layered_runtime:
              layers:
              - name: base
                static_layer:
                  envoy.resource_limits.listener.ingress.connection_limit: 100
              - name: override
                static_layer:
                  envoy:
                    resource_limits:
                      listener:
                        ingress:
                          connection_limit: 500
            """);

        Assert.Equal("edge-1", config.NodeId);
        Assert.NotNull(config.Admin);
        Assert.Equal(("127.0.0.1", 9901), (config.Admin.Address.Address, config.Admin.Address.Port));

        Assert.Equal(2, config.Listeners.Count);
        var ingress = config.Listeners[0];
        Assert.Equal("ingress", ingress.Name);
        Assert.Equal(("0.0.0.0", 10000), (ingress.Address.Address, ingress.Address.Port));
        Assert.Equal("static_resources.listeners[0].address.socket_address", ingress.Address.Node.Path);
        Assert.Equal("ingress_tcp", ingress.StatPrefix);
        Assert.Equal(32768, ingress.PerConnectionBufferLimitBytes);
        var chain = Assert.Single(ingress.FilterChains);
        Assert.Equal("default", chain.Name);
        var filter = Assert.Single(chain.Filters);
        Assert.Equal("envoy.filters.network.tcp_proxy", filter.Name);
        Assert.Equal("type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", filter.TypeUrl);
        Assert.NotNull(filter.TypedConfig);
        Assert.Equal("backend", filter.TypedConfig.String("cluster"));

        var loopback6 = config.Listeners[1];
        Assert.Equal(("::1", 10001), (loopback6.Address.Address, loopback6.Address.Port));
        var echo = Assert.Single(Assert.Single(loopback6.FilterChains).Filters);
        Assert.Null(echo.TypeUrl);
        Assert.Null(echo.TypedConfig);

        Assert.Equal(2, config.Clusters.Count);
        var backend = config.Clusters[0];
        Assert.Equal("backend", backend.Name);
        Assert.Equal(ClusterDiscoveryType.Static, backend.Type);
        Assert.Equal(TimeSpan.FromMilliseconds(250), backend.ConnectTimeout);
        Assert.Equal(LbPolicyKind.LeastRequest, backend.LbPolicy);
        Assert.Equal(65536, backend.PerConnectionBufferLimitBytes);
        Assert.Equal(100, backend.CircuitBreakers.MaxConnections);
        Assert.Equal(
            [("10.0.0.1", 8080, 3), ("10.0.0.2", 8081, 1)],
            backend.Endpoints.Select(e => (e.Address.Address, e.Address.Port, e.Weight)).ToArray());

        var dns = config.Clusters[1];
        Assert.Equal(ClusterDiscoveryType.StrictDns, dns.Type);
        Assert.Equal(LbPolicyKind.Random, dns.LbPolicy);
        Assert.Equal(DnsLookupFamily.V4Only, dns.DnsLookupFamily);
        Assert.Equal(TimeSpan.FromSeconds(30), dns.DnsRefreshRate);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), dns.ConnectTimeout);
        Assert.Equal("backend.example.com", Assert.Single(dns.Endpoints).Address.Address);

        // The later layer wins, and nested maps flatten into the same dotted key.
        var limit = Assert.Single(config.Runtime.Values);
        Assert.Equal("envoy.resource_limits.listener.ingress.connection_limit", limit.Key);
        Assert.Equal("500", limit.Value.Value);
        Assert.Equal(80, limit.Value.Mark.Line);
    }

    [Fact]
    public void Envoy_defaults_apply_when_fields_are_omitted()
    {
        var config = ConfigAssert.BindValid("""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 0 }
                filter_chains:
                - filters:
                  - name: echo
              clusters:
              - name: c
            """);

        var listener = Assert.Single(config.Listeners);
        Assert.Equal(1024 * 1024, listener.PerConnectionBufferLimitBytes);
        Assert.Null(listener.StatPrefix);
        var cluster = Assert.Single(config.Clusters);
        Assert.Equal(ClusterDiscoveryType.Static, cluster.Type);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.ConnectTimeout);
        Assert.Equal(LbPolicyKind.RoundRobin, cluster.LbPolicy);
        Assert.Equal(1024 * 1024, cluster.PerConnectionBufferLimitBytes);
        Assert.Equal(1024, cluster.CircuitBreakers.MaxConnections);
        Assert.Equal(DnsLookupFamily.Auto, cluster.DnsLookupFamily);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.DnsRefreshRate);
        // A STATIC cluster without endpoints is valid; it simply has no healthy upstream.
        Assert.Empty(cluster.Endpoints);
        Assert.Null(config.NodeId);
        Assert.Null(config.Admin);
        Assert.Empty(config.Runtime.Values);
    }

    [Fact]
    public void Circuit_breaker_thresholds_without_max_connections_keep_the_default()
    {
        var config = ConfigAssert.BindValid("""
            static_resources:
              clusters:
              - name: c
                circuit_breakers:
                  thresholds:
                  - priority: DEFAULT
            """);

        Assert.Equal(1024, Assert.Single(config.Clusters).CircuitBreakers.MaxConnections);
    }

    [Fact]
    public void Typed_config_fields_are_left_for_the_filter_factory()
    {
        var config = ConfigAssert.BindValid("""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 80 }
                filter_chains:
                - filters:
                  - name: custom
                    typed_config:
                      "@type": type.example/Custom
                      anything: goes
            """);

        var typedConfig = Assert.Single(Assert.Single(config.Listeners[0].FilterChains).Filters).TypedConfig;
        Assert.NotNull(typedConfig);
        // The factory binds typed_config later and rejects what it does not know; "@type" is already read.
        typedConfig.RejectUnknownFields();
        ConfigAssert.SingleError(typedConfig.Diagnostics, 11, 11,
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.anything", "unknown field 'anything'");
    }

    [Theory]
    [InlineData("""
        static_resources: {}
        stats_flush: 5s
        """, 2, 1, "stats_flush", "unknown field 'stats_flush'")]
    [InlineData("""
        static_resources:
          listeners:
          - name: l
            address:
              socket_address: { address: 127.0.0.1, port_value: 80 }
            filter_chains:
            - filters:
              - name: echo
            bind_port: true
        """, 9, 5, "static_resources.listeners[0].bind_port", "unknown field 'bind_port'")]
    [InlineData("""
        static_resources:
          clusters:
          - name: c
            conect_timeout: 1s
        """, 4, 5, "static_resources.clusters[0].conect_timeout", "unknown field 'conect_timeout'")]
    [InlineData("""
        admin:
          address:
            socket_address:
              address: 127.0.0.1
              port_value: 9901
              prot: TCP
        """, 6, 7, "admin.address.socket_address.prot", "unknown field 'prot'")]
    [InlineData("""
        node:
          id: a
          zone: b
        """, 3, 3, "node.zone", "unknown field 'zone'")]
    public void Unknown_field_is_reported_at_its_key(string yaml, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(yaml);
        ConfigAssert.SingleError(diagnostics, line, column, path, message);
    }

    [Theory]
    [InlineData("""
        static_resources:
          listeners:
          - name: l
            filter_chains:
            - filters:
              - name: echo
        """, 3, 5, "static_resources.listeners[0]", "missing required field 'address'")]
    [InlineData("""
        static_resources:
          listeners:
          - address:
              socket_address: { address: 127.0.0.1, port_value: 80 }
            filter_chains:
            - filters:
              - name: echo
        """, 3, 5, "static_resources.listeners[0]", "missing required field 'name'")]
    [InlineData("""
        static_resources:
          listeners:
          - name: l
            address:
              socket_address: { address: 127.0.0.1, port_value: 80 }
        """, 3, 5, "static_resources.listeners[0]", "missing required field 'filter_chains'")]
    [InlineData("""
        static_resources:
          clusters:
          - connect_timeout: 1s
        """, 3, 5, "static_resources.clusters[0]", "missing required field 'name'")]
    [InlineData("""
        admin:
          address:
            socket_address:
              address: 127.0.0.1
        """, 4, 7, "admin.address.socket_address", "missing required field 'port_value'")]
    [InlineData("""
        admin:
          address:
            socket_address:
              port_value: 9901
        """, 4, 7, "admin.address.socket_address", "missing required field 'address'")]
    [InlineData("""
        admin:
          address:
        """, 2, 3, "admin", "missing required field 'address'")]
    public void Missing_required_field_is_reported_at_the_enclosing_mapping(string yaml, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind(yaml);
        ConfigAssert.SingleError(diagnostics, line, column, path, message);
    }

    [Theory]
    [InlineData("lb_policy: ROUND_ROBBIN", "lb_policy", "unknown value 'ROUND_ROBBIN' (expected one of: ROUND_ROBIN, RANDOM, LEAST_REQUEST, RING_HASH, MAGLEV)")]
    [InlineData("lb_policy: CLUSTER_PROVIDED", "lb_policy", "lb_policy CLUSTER_PROVIDED is not supported")]
    [InlineData("type: STATICK", "type", "unknown value 'STATICK' (expected one of: STATIC, STRICT_DNS, LOGICAL_DNS)")]
    [InlineData("type: EDS", "type", "cluster type EDS is not supported")]
    [InlineData("type: ORIGINAL_DST", "type", "cluster type ORIGINAL_DST is not supported")]
    [InlineData("dns_lookup_family: V4", "dns_lookup_family", "unknown value 'V4' (expected one of: AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL)")]
    [InlineData("connect_timeout: 5", "connect_timeout", "expected a duration such as \"0.25s\" or \"5s\", found '5'")]
    [InlineData("connect_timeout: -1s", "connect_timeout", "found '-1s'")]
    [InlineData("connect_timeout: 0s", "connect_timeout", "connect_timeout must be greater than 0")]
    [InlineData("dns_refresh_rate: 0.0001s", "dns_refresh_rate", "dns_refresh_rate must be at least 1ms")]
    [InlineData("per_connection_buffer_limit_bytes: 0", "per_connection_buffer_limit_bytes", "0 is out of range [1, 2147483647]")]
    [InlineData("health_checks: {}", "health_checks", "expected a sequence, found a mapping")]
    [InlineData("ring_hash_lb_config: {}", "ring_hash_lb_config", "ring_hash_lb_config applies only to lb_policy RING_HASH")]
    [InlineData("upstream_connection_options: {}", "upstream_connection_options", "field 'upstream_connection_options' is not supported")]
    public void Bad_cluster_field_value_is_reported_at_the_value(string field, string key, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              clusters:
              - name: c
                {{field}}
            """);

        var column = 5 + key.Length + 2;
        ConfigAssert.SingleError(diagnostics, 4, column, "static_resources.clusters[0]." + key, message);
    }

    [Theory]
    [InlineData("port_value: 70000", "port_value", "70000 is out of range [0, 65535]")]
    [InlineData("port_value: -1", "port_value", "-1 is out of range [0, 65535]")]
    [InlineData("port_value: http", "port_value", "expected an integer, found 'http'")]
    [InlineData("address: localhost", "address", "expected an IP address, found 'localhost'")]
    [InlineData("address: 127.1", "address", "expected an IP address, found '127.1'")]
    [InlineData("address: '[::1]'", "address", "expected an IP address, found '[::1]'")]
    [InlineData("protocol: UDP", "protocol", "UDP is not supported")]
    [InlineData("protocol: SCTP", "protocol", "unknown value 'SCTP' (expected one of: TCP, UDP)")]
    [InlineData("named_port: http", "named_port", "field 'named_port' is not supported")]
    [InlineData("resolver_name: custom", "resolver_name", "field 'resolver_name' is not supported")]
    public void Bad_listener_socket_address_is_reported_at_the_value(string field, string key, string message)
    {
        // The field under test replaces the default of the same key, or is added.
        var address = field.StartsWith("address:", StringComparison.Ordinal) ? field : "address: 127.0.0.1";
        var port = field.StartsWith("port_value:", StringComparison.Ordinal) ? field : "port_value: 80";
        var extra = address == field || port == field ? "" : field;
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address:
                    {{address}}
                    {{port}}
                    {{extra}}
                filter_chains:
                - filters:
                  - name: echo
            """);

        var line = address == field ? 6 : port == field ? 7 : 8;
        ConfigAssert.SingleError(diagnostics, line, 9 + key.Length + 2,
            "static_resources.listeners[0].address.socket_address." + key, message);
    }

    [Fact]
    public void Static_cluster_endpoint_host_name_suggests_a_dns_cluster_type()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: c
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: { address: backend.local, port_value: 80 }
            """);

        ConfigAssert.SingleError(diagnostics, 9, 42,
            "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address",
            "expected an IP address, found 'backend.local'; a STATIC cluster needs IP addresses; use type STRICT_DNS or LOGICAL_DNS for host names");
        Assert.Empty(Assert.Single(config.Clusters).Endpoints);
    }

    [Fact]
    public void Admin_address_must_be_an_ip()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            admin:
              address:
                socket_address: { address: admin.local, port_value: 9901 }
            """);

        ConfigAssert.SingleError(diagnostics, 3, 32, "admin.address.socket_address.address", "expected an IP address, found 'admin.local'");
        Assert.Null(config.Admin);
    }

    [Theory]
    [InlineData("pipe: { path: /tmp/admin.sock }", "pipe", "field 'pipe' is not supported")]
    [InlineData("envoy_internal_address: {}", "envoy_internal_address", "field 'envoy_internal_address' is not supported")]
    public void Non_socket_address_kinds_are_unsupported_without_a_missing_field_error(string field, string key, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            admin:
              address:
                {{field}}
            """);

        ConfigAssert.SingleError(diagnostics, 3, 5 + key.Length + 2, "admin.address." + key, message);
    }

    [Theory]
    [InlineData("access_log_path: /dev/null", "access_log_path")]
    [InlineData("profile_path: /tmp/prof", "profile_path")]
    [InlineData("access_log: []", "access_log")]
    public void Unsupported_admin_field_is_named(string field, string key)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            admin:
              address:
                socket_address: { address: 127.0.0.1, port_value: 9901 }
              {{field}}
            """);

        ConfigAssert.SingleError(diagnostics, 4, 3 + key.Length + 2, "admin." + key, $"field '{key}' is not supported");
    }

    [Theory]
    [InlineData("dynamic_resources: {}", "dynamic_resources")]
    [InlineData("stats_sinks: []", "stats_sinks")]
    [InlineData("tracing: {}", "tracing")]
    [InlineData("overload_manager: {}", "overload_manager")]
    [InlineData("cluster_manager: {}", "cluster_manager")]
    [InlineData("stats_config: {}", "stats_config")]
    [InlineData("watchdog: {}", "watchdog")]
    [InlineData("watchdogs: {}", "watchdogs")]
    [InlineData("hds_config: {}", "hds_config")]
    public void Unsupported_root_field_is_named(string field, string key)
    {
        var (_, diagnostics) = ConfigAssert.Bind(field);

        ConfigAssert.SingleError(diagnostics, 1, key.Length + 3, key, $"field '{key}' is not supported");
    }

    [Theory]
    [InlineData("listener_filters: []", "listener_filters")]
    [InlineData("use_original_dst: true", "use_original_dst")]
    [InlineData("transport_socket: {}", "transport_socket")]
    [InlineData("default_filter_chain: {}", "default_filter_chain")]
    [InlineData("connection_balance_config: {}", "connection_balance_config")]
    [InlineData("enable_reuse_port: true", "enable_reuse_port")]
    [InlineData("socket_options: []", "socket_options")]
    [InlineData("listener_filters_timeout: 1s", "listener_filters_timeout")]
    [InlineData("continue_on_listener_filters_timeout: true", "continue_on_listener_filters_timeout")]
    [InlineData("udp_listener_config: {}", "udp_listener_config")]
    public void Unsupported_listener_field_is_named(string field, string key)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 80 }
                filter_chains:
                - filters:
                  - name: echo
                {{field}}
            """);

        ConfigAssert.SingleError(diagnostics, 9, 5 + key.Length + 2, "static_resources.listeners[0]." + key, $"field '{key}' is not supported");
    }

    [Fact]
    public void Listener_traffic_direction_accepts_envoy_values_only()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 80 }
                traffic_direction: SIDEWAYS
                filter_chains:
                - filters:
                  - name: echo
            """);

        ConfigAssert.SingleError(diagnostics, 6, 24, "static_resources.listeners[0].traffic_direction",
            "unknown value 'SIDEWAYS' (expected one of: UNSPECIFIED, INBOUND, OUTBOUND)");
    }

    [Fact]
    public void Second_filter_chain_is_rejected()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 80 }
                filter_chains:
                - filters:
                  - name: echo
                - filters:
                  - name: echo
            """);

        ConfigAssert.SingleError(diagnostics, 9, 7, "static_resources.listeners[0].filter_chains[1]",
            "multiple filter chains need filter_chain_match, which is not supported yet");
    }

    [Theory]
    [InlineData("filter_chains: []", 6, 20, "static_resources.listeners[0].filter_chains", "at least one filter chain is required")]
    [InlineData("filter_chains: [{ filters: [] }]", 6, 32, "static_resources.listeners[0].filter_chains[0].filters", "at least one filter is required")]
    [InlineData("filter_chains: [{ name: x }]", 6, 21, "static_resources.listeners[0].filter_chains[0]", "missing required field 'filters'")]
    [InlineData("filter_chains: [{ filters: [{ typed_config: { \"@type\": t } }] }]", 6, 33, "static_resources.listeners[0].filter_chains[0].filters[0]", "missing required field 'name'")]
    [InlineData("filter_chains: [{ filters: [{ name: x, typed_config: { a: 1 } }] }]", 6, 58, "static_resources.listeners[0].filter_chains[0].filters[0].typed_config", "missing required field '@type'")]
    [InlineData("filter_chains: [{ filters: [{ name: x, config: {} }] }]", 6, 52, "static_resources.listeners[0].filter_chains[0].filters[0].config", "field 'config' is not supported: use typed_config")]
    [InlineData("filter_chains: [{ filter_chain_match: {}, filters: [{ name: x }] }]", 6, 43, "static_resources.listeners[0].filter_chains[0].filter_chain_match", "field 'filter_chain_match' is not supported")]
    [InlineData("filter_chains: [{ transport_socket: {}, filters: [{ name: x }] }]", 6, 41, "static_resources.listeners[0].filter_chains[0].transport_socket", "field 'transport_socket' is not supported: TLS")]
    public void Bad_filter_chain_is_reported(string chains, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              listeners:
              - name: l
                address:
                  socket_address: { address: 127.0.0.1, port_value: 80 }
                {{chains}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column, path, message);
    }

    [Fact]
    public void Duplicate_listener_name_is_reported_at_the_second()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
              - name: l
                address: { socket_address: { address: 127.0.0.1, port_value: 80 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: l
                address: { socket_address: { address: 127.0.0.1, port_value: 81 } }
                filter_chains: [{ filters: [{ name: echo }] }]
            """);

        ConfigAssert.SingleError(diagnostics, 6, 11, "static_resources.listeners[1].name", "duplicate listener name 'l' (first defined at line 3)");
        Assert.Equal(80, Assert.Single(config.Listeners).Address.Port);
    }

    [Fact]
    public void Duplicate_listener_address_is_reported_at_the_second_but_port_zero_may_repeat()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
              - name: a
                address: { socket_address: { address: 127.0.0.1, port_value: 80 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: b
                address: { socket_address: { address: 127.0.0.1, port_value: 80 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: c
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: d
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: e
                address: { socket_address: { address: "::1", port_value: 80 } }
                filter_chains: [{ filters: [{ name: echo }] }]
            """);

        ConfigAssert.SingleError(diagnostics, 7, 32, "static_resources.listeners[1].address.socket_address",
            "listener 'b' uses 127.0.0.1:80, which listener 'a' already uses");
    }

    [Fact]
    public void Duplicate_cluster_name_is_reported_at_the_second()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: backend
                connect_timeout: 1s
              - name: backend
                connect_timeout: 2s
            """);

        ConfigAssert.SingleError(diagnostics, 5, 11, "static_resources.clusters[1].name", "duplicate cluster name 'backend' (first defined at line 3)");
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(config.Clusters).ConnectTimeout);
    }

    [Fact]
    public void Request_and_retry_breakers_bind_with_envoys_defaults()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: budgeted
                circuit_breakers:
                  thresholds:
                  - max_requests: 50
                    max_retries: 7
                    track_remaining: true
                    retry_budget: { budget_percent: { value: 35.5 }, min_retry_concurrency: 2 }
              - name: defaults
                circuit_breakers:
                  thresholds:
                  - retry_budget: {}
            """);

        Assert.Empty(diagnostics.Errors);
        var budgeted = config.Clusters[0].CircuitBreakers;
        Assert.Equal((50, 7, true), (budgeted.MaxRequests, budgeted.MaxRetries, budgeted.TrackRemaining));
        Assert.Equal(new RetryBudgetConfig(35.5, 2), budgeted.RetryBudget);
        var defaults = config.Clusters[1].CircuitBreakers;
        Assert.Equal((1024, 3, false), (defaults.MaxRequests, defaults.MaxRetries, defaults.TrackRemaining));
        Assert.Equal(new RetryBudgetConfig(20, 3), defaults.RetryBudget);
    }

    [Fact]
    public void High_priority_thresholds_bind_apart_from_the_default_ones()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: both
                circuit_breakers:
                  thresholds:
                  - { priority: HIGH, max_connections: 5, max_pending_requests: 6, max_requests: 7, max_retries: 8, track_remaining: true }
                  - { max_requests: 1 }
              - name: defaults
            """);

        Assert.Empty(diagnostics.Errors);
        var high = config.Clusters[0].HighPriorityCircuitBreakers;
        Assert.Equal((5, 6, 7, 8, true), (high.MaxConnections, high.MaxPendingRequests, high.MaxRequests, high.MaxRetries, high.TrackRemaining));
        Assert.Equal(1, config.Clusters[0].CircuitBreakers.MaxRequests);
        // Envoy's HIGH defaults are the DEFAULT ones.
        Assert.Equal(CircuitBreakerConfig.Default, config.Clusters[1].HighPriorityCircuitBreakers);
    }

    [Theory]
    [InlineData("- priority: LOW", 6, 19, "thresholds[0].priority", "unknown value 'LOW' (expected one of: DEFAULT, HIGH)")]
    [InlineData("- { priority: HIGH }\n      - { priority: HIGH, max_requests: 2 }", 7, 9, "thresholds[1]", "duplicate thresholds for priority HIGH (first defined at line 6)")]
    [InlineData("- max_requests: -1", 6, 23, "thresholds[0].max_requests", "-1 is out of range [0, 2147483647]")]
    [InlineData("- max_pending_requests: -1", 6, 31, "thresholds[0].max_pending_requests", "-1 is out of range [0, 2147483647]")]
    [InlineData("- max_retries: -1", 6, 22, "thresholds[0].max_retries", "-1 is out of range [0, 2147483647]")]
    [InlineData("- max_connection_pools: 3", 6, 31, "thresholds[0].max_connection_pools", "field 'max_connection_pools' is not supported: Junction keeps one connection pool per host and priority")]
    [InlineData("- retry_budget: { min_retry_concurrency: 1, budgett_percent: {} }", 6, 51, "thresholds[0].retry_budget.budgett_percent", "unknown field 'budgett_percent'")]
    [InlineData("- max_connections: -1", 6, 26, "thresholds[0].max_connections", "-1 is out of range [0, 2147483647]")]
    [InlineData("- { max_connections: 1 }\n      - { priority: DEFAULT }", 7, 9, "thresholds[1]", "duplicate thresholds for priority DEFAULT (first defined at line 6)")]
    public void Bad_circuit_breaker_is_reported(string thresholds, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              clusters:
              - name: c
                circuit_breakers:
                  thresholds:
                  {{thresholds}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column, "static_resources.clusters[0].circuit_breakers." + path, message);
    }

    [Theory]
    [InlineData("priority: 1", 7, 19, "endpoints[0].priority", "only priority 0 is supported")]
    [InlineData("load_balancing_weight: 2", 7, 32, "endpoints[0].load_balancing_weight", "field 'load_balancing_weight' is not supported: locality weighting is not supported")]
    public void Locality_priorities_and_weights_are_unsupported(string field, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              clusters:
              - name: c
                load_assignment:
                  endpoints:
                  - lb_endpoints: []
                    {{field}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column, "static_resources.clusters[0].load_assignment." + path, message);
    }

    [Theory]
    [InlineData("load_balancing_weight: 0", 9, 34, "load_balancing_weight", "0 is out of range [1, 2147483647]")]
    [InlineData("health_status: HEALTHY", 9, 26, "health_status", "field 'health_status' is not supported")]
    [InlineData("endpoint_name: e1", 9, 26, "endpoint_name", "field 'endpoint_name' is not supported")]
    public void Bad_lb_endpoint_field_is_reported(string field, int line, int column, string key, string message)
    {
        var endpoint = field.StartsWith("endpoint_name", StringComparison.Ordinal)
            ? "metadata: {}"
            : "endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }";
        var (_, diagnostics) = ConfigAssert.Bind($$"""
            static_resources:
              clusters:
              - name: c
                load_assignment:
                  cluster_name: c
                  endpoints:
                  - lb_endpoints:
                    - {{endpoint}}
                      {{field}}
            """);

        ConfigAssert.SingleError(diagnostics, line, column,
            "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0]." + key, message);
    }

    [Fact]
    public void Endpoint_health_check_config_is_unsupported()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: c
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address: { socket_address: { address: 10.0.0.1, port_value: 80 } }
                        health_check_config: { port_value: 81 }
            """);

        ConfigAssert.SingleError(diagnostics, 9, 34,
            "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.health_check_config",
            "field 'health_check_config' is not supported");
    }

    [Fact]
    public void Logical_dns_cluster_needs_exactly_one_endpoint()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              clusters:
              - name: one
                type: LOGICAL_DNS
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: a.example, port_value: 80 } } }
              - name: two
                type: LOGICAL_DNS
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: a.example, port_value: 80 } } }
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: b.example, port_value: 80 } } }
              - name: none
                type: LOGICAL_DNS
            """);

        Assert.Equal(2, diagnostics.Errors.Count);
        ConfigAssert.HasError(diagnostics, 16, 11, "static_resources.clusters[1].load_assignment.endpoints[1].lb_endpoints[0]",
            "a LOGICAL_DNS cluster needs exactly one endpoint");
        ConfigAssert.HasError(diagnostics, 17, 5, "static_resources.clusters[2]", "a LOGICAL_DNS cluster needs exactly one endpoint, found none");
        Assert.Equal("a.example", Assert.Single(config.Clusters[0].Endpoints).Address.Address);
    }

    [Fact]
    public void Static_secrets_are_unsupported()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              secrets: []
            """);

        ConfigAssert.SingleError(diagnostics, 2, 12, "static_resources.secrets", "field 'secrets' is not supported");
    }

    [Fact]
    public void Wrong_node_kind_is_reported()
    {
        var (_, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
                name: l
            """);

        ConfigAssert.SingleError(diagnostics, 3, 5, "static_resources.listeners", "expected a sequence, found a mapping");
    }

    [Fact]
    public void Every_error_in_a_file_is_reported_in_one_run()
    {
        var (config, diagnostics) = ConfigAssert.Bind("""
            static_resources:
              listeners:
              - name: good
                address: { socket_address: { address: 127.0.0.1, port_value: 80 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              - name: bad
                address: { socket_address: { address: example.com, port_value: 81 } }
                filter_chains: [{ filters: [{ name: echo }] }]
              clusters:
              - name: c
                connect_timeout: 5
                lb_policy: FASTEST
                colour: blue
            layered_runtime:
              layers:
              - name: l
                static_layer: { some.key: 1 }
            """);

        Assert.Equal(5, diagnostics.Errors.Count);
        ConfigAssert.HasError(diagnostics, 7, 43, "static_resources.listeners[1].address.socket_address.address", "expected an IP address, found 'example.com'");
        ConfigAssert.HasError(diagnostics, 11, 22, "static_resources.clusters[0].connect_timeout", "expected a duration");
        ConfigAssert.HasError(diagnostics, 12, 16, "static_resources.clusters[0].lb_policy", "unknown value 'FASTEST'");
        ConfigAssert.HasError(diagnostics, 13, 5, "static_resources.clusters[0].colour", "unknown field 'colour'");
        ConfigAssert.HasError(diagnostics, 17, 31, "layered_runtime.layers[0].static_layer.some.key", "unknown runtime key 'some.key'");
        // Binding is best effort: what could be bound is there.
        Assert.Equal("good", Assert.Single(config.Listeners).Name);
        Assert.Equal("c", Assert.Single(config.Clusters).Name);
    }
}
