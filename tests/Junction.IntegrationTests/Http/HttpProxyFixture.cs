using System.Net.Sockets;
using System.Text;

namespace Junction.IntegrationTests.Http;

/// <summary>Configurations and raw-socket helpers shared by the HTTP/1.1 proxy tests.</summary>
internal static class HttpProxyFixture
{
    /// <summary>
    /// A proxy whose listener "http" routes with <paramref name="routes"/> (each a route written in YAML
    /// flow style, e.g. <c>{ match: { prefix: "/" }, route: { cluster: web } }</c>) to clusters of one
    /// endpoint each. <paramref name="hcmFields"/> are extra connection manager fields in flow style.
    /// </summary>
    /// <param name="httpFilters">HTTP filter entries before the router, in flow style.</param>
    /// <param name="listenerFields">Extra listener fields, in flow style.</param>
    public static string Config(IEnumerable<string> routes, IReadOnlyDictionary<string, int> clusters, string hcmFields = "", string accessLogPath = "",
        IEnumerable<string>? httpFilters = null, string listenerFields = "", string clusterFields = "",
        string accessLogFormat = "%RESPONSE_CODE% %RESPONSE_FLAGS% %REQ(:METHOD)% %REQ(:PATH)% %UPSTREAM_CLUSTER% %ROUTE_NAME%")
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("static_resources:");
        yaml.AppendLine("  listeners:");
        yaml.AppendLine("  - name: http");
        yaml.AppendLine("    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }");
        foreach (var field in listenerFields.Split('\n', StringSplitOptions.RemoveEmptyEntries)) yaml.AppendLine("    " + field.Trim());
        yaml.AppendLine("    filter_chains:");
        yaml.AppendLine("    - filters:");
        yaml.AppendLine("      - name: envoy.filters.network.http_connection_manager");
        yaml.AppendLine("        typed_config:");
        yaml.AppendLine("          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
        yaml.AppendLine("          stat_prefix: ingress");
        foreach (var field in hcmFields.Split('\n', StringSplitOptions.RemoveEmptyEntries)) yaml.AppendLine("          " + field.Trim());
        if (accessLogPath.Length > 0)
        {
            yaml.AppendLine("          access_log:");
            yaml.AppendLine("          - name: envoy.access_loggers.file");
            yaml.AppendLine("            typed_config:");
            yaml.AppendLine("              \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog");
            yaml.AppendLine("              path: " + accessLogPath);
            yaml.AppendLine("              log_format: { text_format_source: { inline_string: \"" + accessLogFormat + "\\n\" } }");
        }
        yaml.AppendLine("          http_filters:");
        foreach (var filter in httpFilters ?? []) yaml.AppendLine("          - " + filter);
        yaml.AppendLine("          - name: envoy.filters.http.router");
        yaml.AppendLine("            typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }");
        yaml.AppendLine("          route_config:");
        yaml.AppendLine("            name: local");
        yaml.AppendLine("            virtual_hosts:");
        yaml.AppendLine("            - name: all");
        yaml.AppendLine("              domains: [\"*\"]");
        yaml.AppendLine("              routes:");
        foreach (var route in routes) yaml.AppendLine("              - " + route);
        yaml.AppendLine("  clusters:");
        foreach (var (name, port) in clusters)
        {
            yaml.AppendLine("  - name: " + name);
            yaml.AppendLine("    connect_timeout: 1s");
            foreach (var field in clusterFields.Split('\n', StringSplitOptions.RemoveEmptyEntries)) yaml.AppendLine("    " + field.Trim());
            yaml.AppendLine("    load_assignment:");
            yaml.AppendLine("      endpoints:");
            yaml.AppendLine("      - lb_endpoints:");
            yaml.AppendLine($"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }} }}");
        }
        return yaml.ToString();
    }

    /// <summary>Sends raw bytes on a new connection and reads until the proxy closes it (or the deadline).</summary>
    public static async Task<string> RawExchangeAsync(System.Net.IPEndPoint proxy, string request, bool halfClose = true)
    {
        using var socket = new Socket(proxy.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        if (halfClose) socket.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0) break;
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // A reset after the response still leaves what was received.
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }
}
