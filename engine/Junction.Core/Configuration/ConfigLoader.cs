using Junction.Configuration;
using YamlDotNet.Core;

namespace Junction.Core.Configuration;

/// <summary>
/// Turns bootstrap YAML text into a <see cref="ConfigMap"/> tree whose nodes carry their file, line,
/// column and YAML path, so every later error can point at the exact spot in the file.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>
    /// Parses <paramref name="yamlText"/>. Returns the root mapping, or null when the text is not valid
    /// YAML, is empty, or its root is not a mapping; the reason is recorded in <paramref name="diagnostics"/>.
    /// Problems that leave the tree usable (duplicate keys, non-scalar keys) are recorded too, but the
    /// root is still returned so that binding can report the remaining errors in the same run.
    /// </summary>
    /// <param name="yamlText">The whole YAML document.</param>
    /// <param name="fileName">The name put in every node's <see cref="ConfigMark"/>.</param>
    /// <param name="diagnostics">Where errors go; the returned nodes report to it as well.</param>
    public static ConfigMap? Load(string yamlText, string fileName, ConfigDiagnostics diagnostics)
    {
        var builder = new ConfigTreeBuilder(new Parser(new StringReader(yamlText)), fileName, diagnostics);
        ConfigNode? root;
        try
        {
            root = builder.ReadSingleDocument();
        }
        catch (YamlException ex)
        {
            diagnostics.Error(ConfigTreeBuilder.ToMark(fileName, ex.Start), "", "invalid YAML: " + ex.Message);
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException for some malformed input
            // (e.g. an unterminated flow sequence); the last event it produced is the best position we have.
            diagnostics.Error(builder.LastPosition, "", "invalid YAML: the document cannot be parsed after this point (is a bracket or quote left open?)");
            return null;
        }

        switch (root)
        {
            case null:
                return null;
            case ConfigMap map:
                return map;
            case ConfigScalar { IsNull: true }:
                diagnostics.Error(new ConfigMark(fileName, 1, 1), "", "the configuration is empty");
                return null;
            default:
                root.Error($"expected a mapping at the top of the configuration, found {root.KindName}");
                return null;
        }
    }

    /// <summary>
    /// Reads and parses the file at <paramref name="path"/>, using <paramref name="path"/> as the file
    /// name in marks. A missing or unreadable file is an error at line 1, column 1 and returns null.
    /// </summary>
    public static ConfigMap? LoadFile(string path, ConfigDiagnostics diagnostics)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            diagnostics.Error(new ConfigMark(path, 1, 1), "", "cannot read the configuration file: " + ex.Message);
            return null;
        }
        return Load(text, path, diagnostics);
    }
}
