namespace Junction.Configuration;

/// <summary>One problem found while loading or validating a configuration.</summary>
/// <param name="Mark">Where the offending node starts.</param>
/// <param name="Path">The YAML path of the node, e.g. <c>static_resources.clusters[0].lb_policy</c>.</param>
/// <param name="Message">What is wrong, phrased for the person who wrote the file.</param>
public sealed record ConfigError(ConfigMark Mark, string Path, string Message)
{
    /// <summary>Formats the error as <c>file:line:column: path: message</c>.</summary>
    public override string ToString() => Path.Length == 0 ? $"{Mark}: {Message}" : $"{Mark}: {Path}: {Message}";
}
