using System.Globalization;
using System.Text;

namespace Junction.Core.Stats;

/// <summary>
/// Writes a <see cref="StatsSnapshot"/> in the Prometheus text exposition format 0.0.4, the way
/// Envoy's <c>/stats/prometheus</c> does: names get the prefix <c>envoy_</c>, dots and other
/// characters Prometheus does not allow become underscores, and the tag Envoy's default extractors
/// find becomes a label (see <see cref="StatTagExtractor"/>), so
/// <c>cluster.backend.upstream_cx_total</c> is
/// <c>envoy_cluster_upstream_cx_total{envoy_cluster_name="backend"}</c>.
/// </summary>
/// <remarks>
/// <para>Where Envoy's names would fail <c>promtool check metrics</c>, the family name is adjusted
/// (Prometheus naming conventions, which promtool lints): a counter's name ends in <c>_total</c>
/// (<c>upstream_cx_connect_fail</c> is exported as <c>..._connect_fail_total</c>); a gauge or
/// histogram name loses a trailing <c>_total</c> (the gauge <c>membership_total</c> is exported as
/// <c>envoy_cluster_membership</c>); a gauge whose name ends in <c>_count</c>, <c>_sum</c> or
/// <c>_bucket</c> (suffixes reserved for histograms) gets <c>_value</c> appended. Every family has
/// one <c># HELP</c> line (the Envoy name with the tag's place marked) and one <c># TYPE</c> line, and
/// all its series follow together, sorted by label.</para>
/// <para>Histograms are exported with cumulative <c>_bucket{le="..."}</c> series ending in
/// <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>. Two stats that map to the same series (names
/// that differ only in characters replaced by underscores), or to one family with different types,
/// cannot both be exported: the first by name wins and the others are left out.</para>
/// </remarks>
internal static class PrometheusFormatter
{
    /// <summary>The Content-Type of this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Format(StatsSnapshot snapshot)
    {
        var families = new SortedDictionary<string, Family>(StringComparer.Ordinal);
        foreach (var stat in snapshot.Values)
        {
            Add(families, stat.Name, stat.Kind, new Sample(stat.Value, null));
        }
        foreach (var histogram in snapshot.Histograms)
        {
            Add(families, histogram.Name, StatKind.Histogram, new Sample(0, histogram));
        }

        var output = new StringBuilder();
        foreach (var (name, family) in families)
        {
            output.Append("# HELP ").Append(name).Append(' ');
            AppendEscaped(output, family.Help, escapeQuotes: false);
            output.Append('\n');
            output.Append("# TYPE ").Append(name).Append(' ').Append(TypeName(family.Kind)).Append('\n');
            foreach (var (labels, sample) in family.Series)
            {
                if (sample.Histogram is { } histogram) AppendHistogram(output, name, labels, histogram);
                else AppendSample(output, name, labels, null, sample.Value.ToString(CultureInfo.InvariantCulture));
            }
        }
        return output.ToString();
    }

    /// <summary>The Prometheus family name of a stat name (tag already taken out) of <paramref name="kind"/>.</summary>
    public static string FamilyName(string taggedName, StatKind kind)
    {
        var name = new StringBuilder("envoy_", taggedName.Length + 12);
        foreach (var c in taggedName)
        {
            // Colons are legal but reserved for recording rules (promtool warns), so they go too.
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }
        var result = name.ToString();
        if (kind == StatKind.Counter)
        {
            return result.EndsWith("_total", StringComparison.Ordinal) ? result : result + "_total";
        }
        if (result.EndsWith("_total", StringComparison.Ordinal) && result.Length > "envoy__total".Length)
        {
            result = result[..^"_total".Length];
        }
        if (kind == StatKind.Gauge &&
            (result.EndsWith("_count", StringComparison.Ordinal) || result.EndsWith("_sum", StringComparison.Ordinal) ||
             result.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            result += "_value";
        }
        return result;
    }

    private static void Add(SortedDictionary<string, Family> families, string statName, StatKind kind, Sample sample)
    {
        var tagged = StatTagExtractor.Extract(statName);
        var name = FamilyName(tagged.Name, kind);
        if (!families.TryGetValue(name, out var family))
        {
            family = new Family(kind, tagged.Pattern);
            families.Add(name, family);
        }
        else if (family.Kind != kind)
        {
            return;
        }
        var labels = tagged.TagName is null ? "" : $"{tagged.TagName}=\"{EscapeLabelValue(tagged.TagValue!)}\"";
        family.Series.TryAdd(labels, sample);
    }

    private static void AppendHistogram(StringBuilder output, string name, string labels, HistogramSnapshot histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.Counts[i];
            AppendSample(output, name + "_bucket", labels, FormatDouble(histogram.Bounds[i]), cumulative.ToString(CultureInfo.InvariantCulture));
        }
        // The +Inf bucket is the count, so that _bucket{le="+Inf"} == _count holds exactly.
        AppendSample(output, name + "_bucket", labels, "+Inf", histogram.Count.ToString(CultureInfo.InvariantCulture));
        AppendSample(output, name + "_sum", labels, null, FormatDouble(histogram.Sum));
        AppendSample(output, name + "_count", labels, null, histogram.Count.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendSample(StringBuilder output, string name, string labels, string? le, string value)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{').Append(labels);
            if (le is not null)
            {
                if (labels.Length > 0) output.Append(',');
                output.Append("le=\"").Append(le).Append('"');
            }
            output.Append('}');
        }
        output.Append(' ').Append(value).Append('\n');
    }

    /// <summary>A float as Prometheus (Go's ParseFloat) reads it: shortest round-trip form, +Inf, -Inf, NaN.</summary>
    public static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Escapes a label value: backslash, double quote and line feed (the format's three escapes).</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0) return value;
        var escaped = new StringBuilder(value.Length + 8);
        AppendEscaped(escaped, value, escapeQuotes: true);
        return escaped.ToString();
    }

    private static void AppendEscaped(StringBuilder output, string text, bool escapeQuotes)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': output.Append(@"\\"); break;
                case '\n': output.Append(@"\n"); break;
                case '"' when escapeQuotes: output.Append("\\\""); break;
                default: output.Append(c); break;
            }
        }
    }

    private static string TypeName(StatKind kind) => kind switch
    {
        StatKind.Counter => "counter",
        StatKind.Gauge => "gauge",
        _ => "histogram",
    };

    private readonly record struct Sample(long Value, HistogramSnapshot? Histogram);

    private sealed class Family(StatKind kind, string help)
    {
        public StatKind Kind { get; } = kind;

        public string Help { get; } = help;

        public SortedDictionary<string, Sample> Series { get; } = new(StringComparer.Ordinal);
    }
}
