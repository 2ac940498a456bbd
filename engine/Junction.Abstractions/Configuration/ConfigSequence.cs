namespace Junction.Configuration;

/// <summary>A YAML sequence.</summary>
public sealed class ConfigSequence : ConfigNode
{
    /// <summary>Creates a sequence node; items are added by the loader.</summary>
    public ConfigSequence(string path, ConfigMark mark, ConfigDiagnostics diagnostics, IReadOnlyList<ConfigNode> items)
        : base(path, mark, diagnostics)
    {
        Items = items;
    }

    /// <summary>The items in document order.</summary>
    public IReadOnlyList<ConfigNode> Items { get; }

    /// <summary>Number of items.</summary>
    public int Count => Items.Count;

    /// <inheritdoc />
    public override string KindName => "a sequence";

    /// <summary>The items that are mappings; any other item is reported as an error and skipped.</summary>
    public IReadOnlyList<ConfigMap> Maps()
    {
        var result = new List<ConfigMap>(Items.Count);
        foreach (var item in Items)
        {
            if (item is ConfigMap map) result.Add(map);
            else item.Error($"expected a mapping, found {item.KindName}");
        }
        return result;
    }

    /// <summary>The items that are non-null scalars, as strings; any other item is reported as an error and skipped.</summary>
    public IReadOnlyList<string> Strings()
    {
        var result = new List<string>(Items.Count);
        foreach (var item in Items)
        {
            if (item is ConfigScalar { IsNull: false } scalar) result.Add(scalar.Value);
            else item.Error($"expected a string, found {item.KindName}");
        }
        return result;
    }
}
