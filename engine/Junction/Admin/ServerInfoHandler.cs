using System.Globalization;
using System.Text.Json;
using Junction.Configuration;
using Junction.Core.Configuration;

namespace Junction.Host.Admin;

/// <summary>
/// <c>/server_info</c>: Envoy's ServerInfo message as JSON: version, state, uptime (protobuf Duration
/// strings such as <c>"42s"</c>), the command-line options and the node.
/// </summary>
internal sealed class ServerInfoHandler(ServerState state, CommandLineOptions options, BootstrapConfig? bootstrap)
{
    public AdminResponse ServerInfo(AdminRequest request) => AdminResponse.Json(json =>
    {
        var uptime = FormatDuration(TimeSpan.FromSeconds(Math.Floor(state.Uptime.TotalSeconds)));
        json.WriteStartObject();
        json.WriteString("version", JunctionCli.Version);
        json.WriteString("state", state.StateName);
        json.WriteString("hot_restart_version", "disabled");
        json.WriteStartObject("command_line_options");
        json.WriteString("config_path", options.ConfigPath ?? "");
        json.WriteString("log_level", LogLevelSwitch.NameOf(options.LogLevel));
        json.WriteString("drain_time", FormatDuration(options.DrainTime));
        json.WriteString("mode", "Serve");
        json.WriteEndObject();
        json.WriteStartObject("node");
        if (bootstrap?.NodeId is { } id) json.WriteString("id", id);
        if (bootstrap?.Node.Entries.FirstOrDefault(e => e.Key.Value == "node").Value is ConfigMap node &&
            node.Entries.FirstOrDefault(e => e.Key.Value == "cluster").Value is ConfigScalar { IsNull: false } cluster)
        {
            json.WriteString("cluster", cluster.Value);
        }
        json.WriteEndObject();
        json.WriteString("uptime_current_epoch", uptime);
        json.WriteString("uptime_all_epochs", uptime);
        json.WriteEndObject();
    });

    /// <summary>A protobuf Duration in its JSON form: seconds, with a fraction only when there is one (<c>"30s"</c>, <c>"2.500s"</c>).</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var seconds = (decimal)duration.Ticks / TimeSpan.TicksPerSecond;
        var format = decimal.Truncate(seconds) == seconds ? "0" : "0.000######";
        return seconds.ToString(format, CultureInfo.InvariantCulture) + "s";
    }
}
