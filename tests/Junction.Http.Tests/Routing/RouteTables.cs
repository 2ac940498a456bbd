using Junction.Configuration;
using Junction.Http.Routing;

namespace Junction.Http.Tests.Routing;

/// <summary>Binds route configurations written in tests, checks their errors, and routes test requests.</summary>
internal static class RouteTables
{
    /// <summary>The clusters every test configuration may refer to.</summary>
    public static readonly HashSet<string> Clusters = new(StringComparer.Ordinal)
    {
        "backend", "android", "ios", "web", "a", "b", "c", "other",
    };

    /// <summary>Binds <paramref name="yaml"/> (the <c>route_config</c> mapping itself).</summary>
    public static (RouteTable? Table, ConfigDiagnostics Diagnostics) Bind(string yaml)
    {
        var diagnostics = new ConfigDiagnostics();
        var root = TestYaml.Load(yaml, diagnostics);
        var table = RouteTableBinder.Bind(root, Clusters.Contains);
        Assert.Equal(diagnostics.HasErrors, table is null);
        return (table, diagnostics);
    }

    /// <summary>Binds <paramref name="yaml"/> and requires no error.</summary>
    public static RouteTable BindValid(string yaml)
    {
        var (table, diagnostics) = Bind(yaml);
        Assert.True(!diagnostics.HasErrors, "unexpected errors:\n" + string.Join("\n", diagnostics.Errors));
        return table!;
    }

    /// <summary>Requires exactly one error, at the given position and path, whose message contains <paramref name="message"/>.</summary>
    public static void SingleError(string yaml, int line, int column, string path, string message)
    {
        var (_, diagnostics) = Bind(yaml);
        Assert.True(diagnostics.Errors.Count == 1, "expected one error, found:\n" + string.Join("\n", diagnostics.Errors));
        var error = diagnostics.Errors[0];
        Assert.Equal(new ConfigMark(TestYaml.FileName, line, column), error.Mark);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Routes a GET with the given authority, target and headers.</summary>
    public static RouteEntry? Route(this RouteTable table, string authority, string target, params (string, string)[] headers)
    {
        var request = new TestRequest(authority, target, "GET", headers);
        return table.Match(ref request);
    }

    /// <summary>The name of the route a request gets, or "(none)".</summary>
    public static string RouteName(this RouteTable table, string target, params (string, string)[] headers) =>
        table.Route("example.com", target, headers)?.Name ?? "(none)";
}
