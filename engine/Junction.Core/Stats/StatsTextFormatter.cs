using System.Globalization;
using System.Text;

namespace Junction.Core.Stats;

/// <summary>
/// Envoy's plain-text <c>/stats</c> format: one <c>name: value</c> line per counter and gauge, sorted
/// by name, then one line per histogram with its quantile summary.
/// </summary>
/// <remarks>
/// A histogram line reads like Envoy's: <c>name: P0(nan,0.7) P25(nan,1.2) ... P100(nan,41)</c>, where
/// each pair is (interval, cumulative). Junction does not flush stats in intervals, so the interval
/// value is always <c>nan</c> (what Envoy prints for an interval without values), and the cumulative
/// value is estimated from the buckets since the start (see <see cref="HistogramSnapshot.Quantile"/>).
/// A histogram without values reads <c>name: No recorded values</c>.
/// </remarks>
internal static class StatsTextFormatter
{
    public static string Format(StatsSnapshot snapshot)
    {
        var output = new StringBuilder();
        foreach (var stat in snapshot.Values)
        {
            output.Append(stat.Name).Append(": ").Append(stat.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        foreach (var histogram in snapshot.Histograms)
        {
            output.Append(histogram.Name).Append(": ");
            if (histogram.Count == 0)
            {
                output.Append("No recorded values\n");
                continue;
            }
            var quantiles = HistogramSnapshot.SupportedQuantiles;
            for (var i = 0; i < quantiles.Count; i++)
            {
                if (i > 0) output.Append(' ');
                output.Append('P').Append(FormatNumber(quantiles[i] * 100))
                    .Append("(nan,").Append(FormatNumber(histogram.Quantile(quantiles[i]))).Append(')');
            }
            output.Append('\n');
        }
        return output.ToString();
    }

    /// <summary>A quantile or percentile as Envoy prints it: plain decimal, at most a few fraction digits.</summary>
    public static string FormatNumber(double value) => value.ToString("0.#####", CultureInfo.InvariantCulture);
}
