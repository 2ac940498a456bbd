using System.Globalization;

namespace Junction.Configuration;

/// <summary>A scalar value exactly as written (YAML tags and quoting decide nothing here; binders parse).</summary>
public sealed class ConfigScalar : ConfigNode
{
    /// <summary>Creates a scalar node.</summary>
    public ConfigScalar(string path, ConfigMark mark, ConfigDiagnostics diagnostics, string value, bool isQuoted)
        : base(path, mark, diagnostics)
    {
        Value = value;
        IsQuoted = isQuoted;
    }

    /// <summary>The text of the scalar.</summary>
    public string Value { get; }

    /// <summary>True when the scalar was written in quotes (then <c>null</c> and <c>~</c> are strings).</summary>
    public bool IsQuoted { get; }

    /// <summary>True for an unquoted empty, <c>~</c> or <c>null</c> scalar.</summary>
    public bool IsNull => !IsQuoted && (Value.Length == 0 || Value == "~" || Value == "null" || Value == "Null" || Value == "NULL");

    /// <inheritdoc />
    public override string KindName => "a scalar";

    /// <summary>Parses an integer (YAML or the proto3 JSON form, which quotes 64-bit numbers).</summary>
    public bool TryGetInt64(out long value) =>
        long.TryParse(Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Parses a boolean: <c>true</c>/<c>false</c> in any case.</summary>
    public bool TryGetBool(out bool value)
    {
        if (string.Equals(Value, "true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
        if (string.Equals(Value, "false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
        value = false;
        return false;
    }

    /// <summary>Parses a number with a fraction.</summary>
    public bool TryGetDouble(out double value) =>
        double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>
    /// Parses a protobuf <c>Duration</c> in its JSON form: decimal seconds followed by <c>s</c>, e.g.
    /// <c>"0.25s"</c> or <c>"5s"</c>. Negative durations are rejected.
    /// </summary>
    public bool TryGetDuration(out TimeSpan value)
    {
        value = default;
        var text = Value;
        if (text.Length < 2 || text[^1] != 's') return false;
        if (!decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            return false;
        if (seconds < 0 || seconds > 315_576_000_000m) return false;
        value = TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }
}
