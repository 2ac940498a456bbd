using Junction.Configuration;
using Junction.Core.Configuration;

namespace Junction.Core.Tests.Configuration;

/// <summary>Loads and binds YAML written in tests, and checks the errors it produces.</summary>
internal static class ConfigAssert
{
    public const string FileName = "test.yaml";

    /// <summary>Loads and binds <paramref name="yaml"/>; the YAML itself must be well formed.</summary>
    public static (BootstrapConfig Config, ConfigDiagnostics Diagnostics) Bind(string yaml)
    {
        var diagnostics = new ConfigDiagnostics();
        var root = ConfigLoader.Load(yaml, FileName, diagnostics);
        Assert.NotNull(root);
        return (BootstrapBinder.Bind(root), diagnostics);
    }

    /// <summary>Binds <paramref name="yaml"/> and requires that it produces no error at all.</summary>
    public static BootstrapConfig BindValid(string yaml)
    {
        var (config, diagnostics) = Bind(yaml);
        Assert.True(!diagnostics.HasErrors, "unexpected errors:\n" + string.Join("\n", diagnostics.Errors));
        return config;
    }

    /// <summary>Requires exactly one error, at the given position and path, whose message contains <paramref name="message"/>.</summary>
    public static void SingleError(ConfigDiagnostics diagnostics, int line, int column, string path, string message)
    {
        Assert.True(diagnostics.Errors.Count == 1, "expected one error, found:\n" + string.Join("\n", diagnostics.Errors));
        Matches(diagnostics.Errors[0], line, column, path, message);
    }

    /// <summary>Requires that some error is at the given position and path and contains <paramref name="message"/>.</summary>
    public static void HasError(ConfigDiagnostics diagnostics, int line, int column, string path, string message)
    {
        var found = diagnostics.Errors.Any(e =>
            e.Mark == new ConfigMark(FileName, line, column) && e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.True(found, $"no error {FileName}:{line}:{column}: {path}: ...{message}... among:\n" + string.Join("\n", diagnostics.Errors));
    }

    private static void Matches(ConfigError error, int line, int column, string path, string message)
    {
        Assert.Equal(new ConfigMark(FileName, line, column), error.Mark);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
