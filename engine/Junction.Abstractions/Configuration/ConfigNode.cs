namespace Junction.Configuration;

/// <summary>
/// A node of a loaded configuration document: a scalar, a mapping or a sequence. Every node knows its
/// YAML path and source position, so any code that binds configuration (including third-party filter
/// factories) reports errors that point at the exact line.
/// </summary>
public abstract class ConfigNode
{
    private protected ConfigNode(string path, ConfigMark mark, ConfigDiagnostics diagnostics)
    {
        Path = path;
        Mark = mark;
        Diagnostics = diagnostics;
    }

    /// <summary>The YAML path, e.g. <c>static_resources.listeners[0].name</c>; empty for the document root.</summary>
    public string Path { get; }

    /// <summary>Where the node starts in its source.</summary>
    public ConfigMark Mark { get; }

    /// <summary>The sink that errors about this node (and its children) go to.</summary>
    public ConfigDiagnostics Diagnostics { get; }

    /// <summary>A short name of the node's kind for error messages: "a scalar", "a mapping", "a sequence".</summary>
    public abstract string KindName { get; }

    /// <summary>Records an error at this node.</summary>
    public void Error(string message) => Diagnostics.Error(this, message);

    /// <summary>The path of a child stored under <paramref name="key"/>.</summary>
    public string ChildPath(string key) => Path.Length == 0 ? key : Path + "." + key;

    /// <summary>The path of the child at <paramref name="index"/>.</summary>
    public string ChildPath(int index) => Path + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
}
