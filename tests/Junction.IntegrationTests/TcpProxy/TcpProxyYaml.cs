using System.Globalization;
using System.Net;
using System.Text;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// Bootstrap YAML for the tcp_proxy tests: one listener named <c>in</c> (stat prefix <c>in</c>) on
/// 127.0.0.1 port 0 whose only filter is tcp_proxy. Parts are written in YAML flow style, so tests pass
/// fragments such as <c>"cluster: up, idle_timeout: 0.3s"</c> without minding indentation.
/// </summary>
internal static class TcpProxyYaml
{
    public const string Listener = "in";

    private const string TcpProxyType = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

    /// <summary>A bootstrap with the listener, the given clusters and, when given, a runtime layer.</summary>
    /// <param name="tcpProxy">tcp_proxy typed_config fields besides @type and stat_prefix (which is <c>in</c>).</param>
    /// <param name="clusters">Cluster entries, from <see cref="Cluster(string, IPEndPoint, string?)"/> and its overloads.</param>
    /// <param name="listenerFields">Extra listener fields, e.g. <c>per_connection_buffer_limit_bytes: 1048576</c>.</param>
    /// <param name="runtime">static_layer runtime entries, e.g. a listener connection limit.</param>
    public static string Bootstrap(string tcpProxy, IEnumerable<string> clusters, string? listenerFields = null, string? runtime = null)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("static_resources:");
        yaml.AppendLine("  listeners:");
        yaml.Append("  - { name: ").Append(Listener).Append(", stat_prefix: ").Append(Listener)
            .Append(", address: { socket_address: { address: 127.0.0.1, port_value: 0 } }, ");
        if (listenerFields is not null) yaml.Append(listenerFields).Append(", ");
        yaml.Append("filter_chains: [ { filters: [ { name: envoy.filters.network.tcp_proxy, typed_config: { \"@type\": ")
            .Append(TcpProxyType).Append(", stat_prefix: ").Append(Listener).Append(", ").Append(tcpProxy).AppendLine(" } } ] } ] }");
        yaml.AppendLine("  clusters:");
        foreach (var cluster in clusters) yaml.Append("  - ").AppendLine(cluster);
        if (runtime is not null)
        {
            yaml.Append("layered_runtime: { layers: [ { name: static, static_layer: { ").Append(runtime).AppendLine(" } } ] }");
        }
        return yaml.ToString();
    }

    /// <summary>A bootstrap whose tcp_proxy forwards to one cluster <c>up</c> with the given hosts.</summary>
    public static string Bootstrap(IPEndPoint upstream, string? tcpProxy = null, string? clusterFields = null, string? listenerFields = null, string? runtime = null) =>
        Bootstrap("cluster: up" + (tcpProxy is null ? "" : ", " + tcpProxy), new[] { Cluster("up", upstream, clusterFields) }, listenerFields, runtime);

    /// <summary>A STATIC cluster entry with one host.</summary>
    public static string Cluster(string name, IPEndPoint host, string? fields = null) => Cluster(name, new[] { (host, 1) }, fields);

    /// <summary>A STATIC cluster entry with weighted hosts (<c>load_balancing_weight</c>).</summary>
    public static string Cluster(string name, IEnumerable<(IPEndPoint Host, int Weight)> hosts, string? fields = null)
    {
        var endpoints = string.Join(", ", hosts.Select(h => string.Create(CultureInfo.InvariantCulture,
            $"{{ load_balancing_weight: {h.Weight}, endpoint: {{ address: {{ socket_address: {{ address: {h.Host.Address}, port_value: {h.Host.Port} }} }} }} }}")));
        var extra = fields is null ? "" : fields + ", ";
        return $"{{ name: {name}, {extra}load_assignment: {{ endpoints: [ {{ lb_endpoints: [ {endpoints} ] }} ] }} }}";
    }
}
