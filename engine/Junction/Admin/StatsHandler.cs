using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Junction.Core.Stats;

namespace Junction.Host.Admin;

/// <summary>
/// <c>/stats</c> (Envoy's text, or JSON with <c>format=json</c>) and <c>/stats/prometheus</c>. Both take
/// <c>filter=REGEX</c> (matched anywhere in the name) and <c>usedonly</c>.
/// </summary>
internal sealed class StatsHandler(StatsStore store)
{
    public AdminResponse Stats(AdminRequest request)
    {
        if (!TryTakeSnapshot(request, out var snapshot, out var error)) return error;
        request.Query.TryGetValue("format", out var format);
        return format switch
        {
            null or "" or "text" => AdminResponse.Ok(StatsTextFormatter.Format(snapshot)),
            "json" => AdminResponse.Json(json => StatsJsonFormatter.Write(snapshot, json)),
            "prometheus" => PrometheusResponse(snapshot),
            _ => AdminResponse.Text(400, $"unknown format '{format}': use text, json or prometheus\n"),
        };
    }

    public AdminResponse Prometheus(AdminRequest request) =>
        TryTakeSnapshot(request, out var snapshot, out var error) ? PrometheusResponse(snapshot) : error;

    private static AdminResponse PrometheusResponse(StatsSnapshot snapshot) =>
        new(200, PrometheusFormatter.ContentType, Encoding.UTF8.GetBytes(PrometheusFormatter.Format(snapshot)));

    private bool TryTakeSnapshot(AdminRequest request, out StatsSnapshot snapshot, out AdminResponse error)
    {
        snapshot = null!;
        error = null!;
        Regex? filter = null;
        if (request.Query.TryGetValue("filter", out var pattern) && pattern.Length > 0)
        {
            try
            {
                // Non-backtracking: linear in the length of each name whatever the pattern, like the
                // RE2 engine Envoy uses, so no request can make admin spin.
                filter = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                error = AdminResponse.Text(400, $"Invalid regex: {ex.Message}\n");
                return false;
            }
        }
        snapshot = StatsSnapshot.Take(store, filter, request.Query.ContainsKey("usedonly"));
        return true;
    }
}
