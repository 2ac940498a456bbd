using System.Text.Json;

namespace Junction.IntegrationTests.ProcessTests;

/// <summary>
/// The executable's runtime settings (engine/ARCHITECTURE.md, "Memory" and the runtime settings under
/// "Admin"): each one was measured to matter, and losing one in a project-file edit would show only as
/// more memory in the load suite. This reads what the build ships beside junction.dll.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", "false")]
    [InlineData("System.GC.Gen0MaxBudget", "16777216")]
    [InlineData("System.GC.Concurrent", "false")]
    [InlineData("System.GC.Server", "false")]
    [InlineData("System.Globalization.Invariant", "true")]
    public void TheExecutableShipsItsRuntimeSetting(string name, string expected)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "junction.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty(name, out var value), $"{path} has no {name}");
        Assert.Equal(expected, value.ToString().ToLowerInvariant());
    }
}
