namespace Junction.Configuration;

/// <summary>
/// A YAML mapping with binding helpers. Every helper marks the key it reads; after binding,
/// <see cref="RejectUnknownFields"/> reports each key nobody read, so a misspelt or unsupported field
/// is an error that names it instead of being silently ignored.
/// </summary>
/// <remarks>
/// Helpers never throw for bad input: they record an error at the offending node and return the
/// default, so binding continues and one run reports every problem in the file.
/// </remarks>
public sealed class ConfigMap : ConfigNode
{
    private readonly List<KeyValuePair<ConfigScalar, ConfigNode>> _entries;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates a mapping node; keys must be unique (the loader reports duplicates).</summary>
    public ConfigMap(string path, ConfigMark mark, ConfigDiagnostics diagnostics, List<KeyValuePair<ConfigScalar, ConfigNode>> entries)
        : base(path, mark, diagnostics)
    {
        _entries = entries;
    }

    /// <inheritdoc />
    public override string KindName => "a mapping";

    /// <summary>The entries in document order: the key node and the value node.</summary>
    public IReadOnlyList<KeyValuePair<ConfigScalar, ConfigNode>> Entries => _entries;

    /// <summary>True when <paramref name="key"/> is present (does not mark it read).</summary>
    public bool Has(string key) => Find(key) is not null;

    /// <summary>Marks a key as handled without binding it (for keys read elsewhere, such as <c>@type</c>).</summary>
    public void MarkRead(string key) => _read.Add(key);

    /// <summary>The value node under <paramref name="key"/>, marking it read; null when absent.</summary>
    public ConfigNode? Node(string key, bool required = false)
    {
        _read.Add(key);
        var node = Find(key);
        if (node is null && required) Error($"missing required field '{key}'");
        return node;
    }

    /// <summary>A string value; null when absent or null (an error when <paramref name="required"/>).</summary>
    public string? String(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            if (required) Error($"missing required field '{key}'");
            return null;
        }
        if (node is ConfigScalar scalar) return scalar.Value;
        node.Error($"expected a string, found {node.KindName}");
        return null;
    }

    /// <summary>A boolean value, or <paramref name="defaultValue"/> when absent.</summary>
    public bool Bool(string key, bool defaultValue)
    {
        if (Scalar(key) is not { } scalar) return defaultValue;
        if (scalar.TryGetBool(out var value)) return value;
        scalar.Error($"expected true or false, found '{scalar.Value}'");
        return defaultValue;
    }

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/> when absent.</summary>
    public long Int64(string key, long defaultValue, long min = long.MinValue, long max = long.MaxValue)
    {
        if (Scalar(key) is not { } scalar) return defaultValue;
        if (!scalar.TryGetInt64(out var value))
        {
            scalar.Error($"expected an integer, found '{scalar.Value}'");
            return defaultValue;
        }
        if (value < min || value > max)
        {
            scalar.Error($"{value} is out of range [{min}, {max}]");
            return defaultValue;
        }
        return value;
    }

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/> when absent.</summary>
    public int Int32(string key, int defaultValue, int min = 0, int max = int.MaxValue) =>
        (int)Int64(key, defaultValue, min, max);

    /// <summary>A number with a fraction within [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/> when absent.</summary>
    public double Double(string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        if (Scalar(key) is not { } scalar) return defaultValue;
        if (!scalar.TryGetDouble(out var value))
        {
            scalar.Error($"expected a number, found '{scalar.Value}'");
            return defaultValue;
        }
        if (value < min || value > max)
        {
            scalar.Error($"{value} is out of range [{min}, {max}]");
            return defaultValue;
        }
        return value;
    }

    /// <summary>
    /// A protobuf <c>Duration</c> such as <c>"0.25s"</c>; null when absent. A duration written as a
    /// mapping of <c>seconds</c> and <c>nanos</c> is accepted too.
    /// </summary>
    public TimeSpan? Duration(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            if (required) Error($"missing required field '{key}'");
            return null;
        }
        switch (node)
        {
            case ConfigScalar scalar when scalar.TryGetDuration(out var value):
                return value;
            case ConfigScalar scalar:
                scalar.Error($"expected a duration such as \"0.25s\" or \"5s\", found '{scalar.Value}'");
                return null;
            case ConfigMap map:
                var seconds = map.Int64("seconds", 0, 0, 315_576_000_000);
                var nanos = map.Int64("nanos", 0, 0, 999_999_999);
                map.RejectUnknownFields();
                return TimeSpan.FromSeconds(seconds) + TimeSpan.FromTicks(nanos / 100);
            default:
                node.Error($"expected a duration, found {node.KindName}");
                return null;
        }
    }

    /// <summary>
    /// One of a fixed set of names (an Envoy enum such as <c>ROUND_ROBIN</c>), mapped to its value;
    /// <paramref name="defaultValue"/> when absent. An unknown name is an error that lists the accepted ones.
    /// </summary>
    public T Choice<T>(string key, T defaultValue, params (string Name, T Value)[] choices)
    {
        if (Scalar(key) is not { } scalar) return defaultValue;
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, scalar.Value, StringComparison.Ordinal)) return value;
        }
        var names = string.Join(", ", choices.Select(c => c.Name));
        scalar.Error($"unknown value '{scalar.Value}' (expected one of: {names})");
        return defaultValue;
    }

    /// <summary>A nested mapping; null when absent (an error when <paramref name="required"/>).</summary>
    public ConfigMap? Map(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            if (required) Error($"missing required field '{key}'");
            return null;
        }
        if (node is ConfigMap map) return map;
        node.Error($"expected a mapping, found {node.KindName}");
        return null;
    }

    /// <summary>A nested sequence; null when absent (an error when <paramref name="required"/>).</summary>
    public ConfigSequence? Sequence(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            if (required) Error($"missing required field '{key}'");
            return null;
        }
        if (node is ConfigSequence sequence) return sequence;
        node.Error($"expected a sequence, found {node.KindName}");
        return null;
    }

    /// <summary>The mappings of a nested sequence; empty when absent.</summary>
    public IReadOnlyList<ConfigMap> Maps(string key, bool required = false) =>
        Sequence(key, required)?.Maps() ?? (IReadOnlyList<ConfigMap>)Array.Empty<ConfigMap>();

    /// <summary>The strings of a nested sequence; empty when absent.</summary>
    public IReadOnlyList<string> Strings(string key) =>
        Sequence(key)?.Strings() ?? (IReadOnlyList<string>)Array.Empty<string>();

    /// <summary>
    /// Reports a field that Junction knows but does not implement yet, when it is present. Unsupported
    /// features are errors, so a configuration never silently means less than its author wrote.
    /// </summary>
    public void Unsupported(string key, string? detail = null)
    {
        _read.Add(key);
        if (Find(key) is { } node)
        {
            node.Error(detail is null ? $"field '{key}' is not supported" : $"field '{key}' is not supported: {detail}");
        }
    }

    /// <summary>Reports an error for every key that no binder has read.</summary>
    public void RejectUnknownFields()
    {
        foreach (var (keyNode, _) in _entries)
        {
            if (!_read.Contains(keyNode.Value))
            {
                Diagnostics.Error(keyNode.Mark, ChildPath(keyNode.Value), $"unknown field '{keyNode.Value}'");
            }
        }
    }

    private ConfigScalar? Scalar(string key)
    {
        var node = Node(key);
        if (node is null || node is ConfigScalar { IsNull: true }) return null;
        if (node is ConfigScalar scalar) return scalar;
        node.Error($"expected a scalar, found {node.KindName}");
        return null;
    }

    private ConfigNode? Find(string key)
    {
        foreach (var (keyNode, value) in _entries)
        {
            if (string.Equals(keyNode.Value, key, StringComparison.Ordinal)) return value;
        }
        return null;
    }
}
