using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds a cluster's <c>load_assignment</c> into a flat endpoint list.</summary>
internal static class LoadAssignmentBinder
{
    private const string StaticHostNameHint = "a STATIC cluster needs IP addresses; use type STRICT_DNS or LOGICAL_DNS for host names";

    /// <summary>
    /// Binds <c>cluster.load_assignment</c>. Localities are flattened because Junction has neither
    /// priorities nor locality weighting yet; the fields that would need them are rejected.
    /// </summary>
    public static IReadOnlyList<EndpointConfig> Bind(ConfigMap cluster, ClusterDiscoveryType type)
    {
        var result = new List<EndpointConfig>();
        var written = new List<ConfigMap>();
        var assignment = cluster.Map("load_assignment");
        if (assignment is not null)
        {
            assignment.String("cluster_name");
            foreach (var locality in assignment.Maps("endpoints"))
            {
                BindLocality(locality, type, result, written);
            }
            assignment.Unsupported("policy");
            assignment.Unsupported("named_endpoints");
            assignment.RejectUnknownFields();
        }

        // Envoy resolves a LOGICAL_DNS cluster's single host name and connects to the first address;
        // with several endpoints it would be ambiguous which name to resolve.
        if (type == ClusterDiscoveryType.LogicalDns)
        {
            if (written.Count == 0) (assignment ?? cluster).Error("a LOGICAL_DNS cluster needs exactly one endpoint, found none");
            for (var i = 1; i < written.Count; i++) written[i].Error("a LOGICAL_DNS cluster needs exactly one endpoint");
        }
        return result;
    }

    private static void BindLocality(ConfigMap locality, ClusterDiscoveryType type, List<EndpointConfig> result, List<ConfigMap> written)
    {
        // Locality names only matter for zone-aware routing, which Junction does not do; accepted as written.
        locality.Map("locality");
        locality.Map("metadata");
        if (locality.Int64("priority", 0, 0, uint.MaxValue) != 0)
        {
            locality.Node("priority")!.Error("field 'priority' is not supported: only priority 0 is supported (priority failover is not implemented)");
        }
        locality.Unsupported("load_balancing_weight", "locality weighting is not supported");
        locality.Unsupported("proximity");
        locality.Unsupported("leds_cluster_locality_config");

        foreach (var lbEndpoint in locality.Maps("lb_endpoints"))
        {
            written.Add(lbEndpoint);
            if (BindLbEndpoint(lbEndpoint, type) is { } endpoint) result.Add(endpoint);
        }
        locality.RejectUnknownFields();
    }

    private static EndpointConfig? BindLbEndpoint(ConfigMap lbEndpoint, ClusterDiscoveryType type)
    {
        lbEndpoint.Unsupported("endpoint_name", "write the endpoint inline");
        var endpoint = lbEndpoint.Map("endpoint", required: !lbEndpoint.Has("endpoint_name"));
        var weight = lbEndpoint.Int32("load_balancing_weight", 1, min: 1);
        lbEndpoint.Unsupported("health_status");
        lbEndpoint.Map("metadata");
        lbEndpoint.RejectUnknownFields();
        if (endpoint is null) return null;

        var isStatic = type == ClusterDiscoveryType.Static;
        var address = SocketAddressBinder.Bind(endpoint, "address", requireIp: isStatic, isStatic ? StaticHostNameHint : null);
        endpoint.String("hostname");
        endpoint.Unsupported("health_check_config", "health checking is not supported yet");
        endpoint.Unsupported("additional_addresses");
        endpoint.RejectUnknownFields();
        return address is null ? null : new EndpointConfig(address, weight, lbEndpoint);
    }
}
