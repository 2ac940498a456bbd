using System.Net;
using System.Text;

namespace Junction.IntegrationTests.Upstream;

/// <summary>Bootstraps for cluster behaviour tests: one HTTP listener routing everything to cluster "web" of several endpoints.</summary>
internal static class UpstreamYaml
{
    /// <param name="endpoints">The cluster's endpoints.</param>
    /// <param name="clusterFields">Extra cluster fields (block YAML, indented as cluster fields: four spaces).</param>
    /// <param name="routeAction">Extra fields of the route's action, in flow style (e.g. a hash_policy).</param>
    public static string Http(IEnumerable<IPEndPoint> endpoints, string clusterFields = "", string routeAction = "")
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("""
            static_resources:
              listeners:
              - name: http
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: ingress
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
            """);
        var action = routeAction.Length == 0 ? "" : ", " + routeAction;
        yaml.AppendLine($"                - {{ match: {{ prefix: \"/\" }}, route: {{ cluster: web{action} }} }}");
        yaml.AppendLine("  clusters:");
        yaml.AppendLine("  - name: web");
        yaml.AppendLine("    connect_timeout: 1s");
        yaml.Append(clusterFields);
        if (clusterFields.Length > 0 && !clusterFields.EndsWith('\n')) yaml.AppendLine();
        yaml.AppendLine("    load_assignment:");
        yaml.AppendLine("      cluster_name: web");
        yaml.AppendLine("      endpoints:");
        yaml.AppendLine("      - lb_endpoints:");
        foreach (var endpoint in endpoints)
        {
            yaml.AppendLine($"        - endpoint: {{ address: {{ socket_address: {{ address: {endpoint.Address}, port_value: {endpoint.Port} }} }} }}");
        }
        return yaml.ToString();
    }

    /// <summary>
    /// An HTTP health check of <c>/health</c> every 50 ms, with or without traffic (<c>no_traffic_interval</c>
    /// too, so that tests can flip health before sending a request), as block YAML at cluster-field indent.
    /// </summary>
    public static string HttpHealthCheck(int unhealthyThreshold = 2, int healthyThreshold = 2) =>
        "    health_checks:\n" +
        "    - timeout: 1s\n" +
        "      interval: 0.05s\n" +
        "      interval_jitter: 0.01s\n" +
        "      no_traffic_interval: 0.05s\n" +
        $"      unhealthy_threshold: {unhealthyThreshold}\n" +
        $"      healthy_threshold: {healthyThreshold}\n" +
        "      http_health_check: { path: /health, expected_statuses: [{ start: 200, end: 300 }] }\n";
}
