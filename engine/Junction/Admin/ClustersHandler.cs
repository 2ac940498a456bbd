using System.Globalization;
using System.Text;
using System.Text.Json;
using Junction.Core.Configuration;
using Junction.Core.Upstream;

namespace Junction.Host.Admin;

/// <summary>
/// <c>/clusters</c>: every cluster and its current hosts in Envoy's text format
/// (<c>backend::127.0.0.1:8080::cx_active::0</c>), or as JSON with <c>format=json</c> (Envoy's
/// <c>Clusters</c> message). Only what Junction tracks is shown: per cluster its circuit breaker
/// thresholds at both priorities (<c>default_priority::max_connections::1024</c>, then
/// <c>high_priority::...</c>), per host its open connections, weight, hostname (for DNS
/// clusters) and health: <c>healthy</c>, or <c>/failed_active_hc</c> while the active health check
/// says the host is down and <c>/failed_outlier_check</c> while outlier detection has ejected it.
/// </summary>
internal sealed class ClustersHandler(ClusterManager clusters)
{
    public AdminResponse Clusters(AdminRequest request)
    {
        request.Query.TryGetValue("format", out var format);
        return format switch
        {
            null or "" or "text" => AdminResponse.Ok(Text()),
            "json" => AdminResponse.Json(Json),
            _ => AdminResponse.Text(400, $"unknown format '{format}': use text or json\n"),
        };
    }

    private string Text()
    {
        var text = new StringBuilder();
        foreach (var cluster in Sorted())
        {
            var name = cluster.Name;
            text.Append(name).Append("::observability_name::").Append(name).Append('\n');
            AppendThresholds(text, name, "default_priority", cluster.DefaultBreakers.Config);
            AppendThresholds(text, name, "high_priority", cluster.HighBreakers.Config);
            text.Append(name).Append("::added_via_api::false\n");
            foreach (var host in cluster.Hosts.Hosts)
            {
                var prefix = $"{name}::{host.Address}::";
                text.Append(prefix).Append("cx_active::").Append(host.ActiveConnections.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append(prefix).Append("hostname::").Append(host.Hostname ?? "").Append('\n');
                text.Append(prefix).Append("health_flags::").Append(HealthFlags(host)).Append('\n');
                text.Append(prefix).Append("weight::").Append(host.Weight.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append(prefix).Append("priority::0\n");
            }
        }
        return text.ToString();
    }

    private void Json(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("cluster_statuses");
        foreach (var cluster in Sorted())
        {
            json.WriteStartObject();
            json.WriteString("name", cluster.Name);
            json.WriteString("observability_name", cluster.Name);
            json.WriteBoolean("added_via_api", false);
            json.WriteStartObject("circuit_breakers");
            json.WriteStartArray("thresholds");
            WriteThresholds(json, "DEFAULT", cluster.DefaultBreakers.Config);
            WriteThresholds(json, "HIGH", cluster.HighBreakers.Config);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("host_statuses");
            foreach (var host in cluster.Hosts.Hosts)
            {
                json.WriteStartObject();
                json.WriteStartObject("address");
                json.WriteStartObject("socket_address");
                json.WriteString("address", host.Address.Address.ToString());
                json.WriteNumber("port_value", host.Address.Port);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteStartArray("stats");
                json.WriteStartObject();
                json.WriteString("name", "cx_active");
                json.WriteString("type", "GAUGE");
                // Protobuf's JSON form writes 64-bit integers as strings, as Envoy does here.
                json.WriteString("value", host.ActiveConnections.ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteStartObject("health_status");
                if (host.FailedActiveHealthCheck) json.WriteBoolean("failed_active_health_check", true);
                if (host.FailedOutlierCheck) json.WriteBoolean("failed_outlier_check", true);
                json.WriteString("eds_health_status", "HEALTHY");
                json.WriteEndObject();
                json.WriteNumber("weight", host.Weight);
                json.WriteString("hostname", host.Hostname ?? "");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Envoy's text form: <c>healthy</c>, or each failing flag with a leading slash, concatenated.</summary>
    private static string HealthFlags(UpstreamHost host) => (host.FailedActiveHealthCheck, host.FailedOutlierCheck) switch
    {
        (false, false) => "healthy",
        (true, false) => "/failed_active_hc",
        (false, true) => "/failed_outlier_check",
        (true, true) => "/failed_active_hc/failed_outlier_check",
    };

    private IEnumerable<Cluster> Sorted() => clusters.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    /// <summary>Envoy's four threshold lines of one priority, in its order.</summary>
    private static void AppendThresholds(StringBuilder text, string cluster, string priority, CircuitBreakerConfig thresholds)
    {
        Line("max_connections", thresholds.MaxConnections);
        Line("max_pending_requests", thresholds.MaxPendingRequests);
        Line("max_requests", thresholds.MaxRequests);
        Line("max_retries", thresholds.MaxRetries);

        void Line(string name, int value) =>
            text.Append(cluster).Append("::").Append(priority).Append("::").Append(name).Append("::")
                .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void WriteThresholds(Utf8JsonWriter json, string priority, CircuitBreakerConfig thresholds)
    {
        json.WriteStartObject();
        json.WriteString("priority", priority);
        json.WriteNumber("max_connections", thresholds.MaxConnections);
        json.WriteNumber("max_pending_requests", thresholds.MaxPendingRequests);
        json.WriteNumber("max_requests", thresholds.MaxRequests);
        json.WriteNumber("max_retries", thresholds.MaxRetries);
        json.WriteEndObject();
    }
}
