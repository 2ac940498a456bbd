using System.Text.Json;

namespace Junction.Core.Stats;

/// <summary>
/// Envoy's <c>/stats?format=json</c>: <c>{"stats":[{"name":...,"value":...}, ...]}</c> with counters
/// and gauges sorted by name, and, when there are histograms, one last element
/// <c>{"histograms":{"supported_quantiles":[0,25,...,100],"computed_quantiles":[{"name":...,
/// "values":[{"interval":null,"cumulative":...}, ...]}]}}</c>. Interval values are null (stats are not
/// flushed in intervals); a cumulative value is null when the histogram has no values.
/// </summary>
internal static class StatsJsonFormatter
{
    public static void Write(StatsSnapshot snapshot, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("stats");
        foreach (var stat in snapshot.Values)
        {
            json.WriteStartObject();
            json.WriteString("name", stat.Name);
            json.WriteNumber("value", stat.Value);
            json.WriteEndObject();
        }
        if (snapshot.Histograms.Count > 0)
        {
            json.WriteStartObject();
            json.WriteStartObject("histograms");
            json.WriteStartArray("supported_quantiles");
            foreach (var q in HistogramSnapshot.SupportedQuantiles) json.WriteNumberValue(Math.Round(q * 100, 6));
            json.WriteEndArray();
            json.WriteStartArray("computed_quantiles");
            foreach (var histogram in snapshot.Histograms)
            {
                json.WriteStartObject();
                json.WriteString("name", histogram.Name);
                json.WriteStartArray("values");
                foreach (var q in HistogramSnapshot.SupportedQuantiles)
                {
                    json.WriteStartObject();
                    json.WriteNull("interval");
                    var value = histogram.Quantile(q);
                    if (double.IsFinite(value)) json.WriteNumber("cumulative", value);
                    else json.WriteNull("cumulative");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
