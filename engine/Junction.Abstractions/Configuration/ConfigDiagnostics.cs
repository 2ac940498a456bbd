namespace Junction.Configuration;

/// <summary>
/// Collects every error found while a configuration is bound and validated, so that one run reports
/// all of them instead of stopping at the first. A configuration with any error is rejected as a whole.
/// </summary>
public sealed class ConfigDiagnostics
{
    private readonly List<ConfigError> _errors = new();

    /// <summary>The errors found so far, in the order they were found.</summary>
    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>True once any error has been recorded.</summary>
    public bool HasErrors => _errors.Count > 0;

    /// <summary>Records an error at <paramref name="node"/>.</summary>
    public void Error(ConfigNode node, string message) => _errors.Add(new ConfigError(node.Mark, node.Path, message));

    /// <summary>Records an error at an explicit location (used for problems that have no node, such as YAML syntax errors).</summary>
    public void Error(ConfigMark mark, string path, string message) => _errors.Add(new ConfigError(mark, path, message));
}
