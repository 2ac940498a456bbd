using System.Diagnostics;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// The real clients the admin tests use: curl and Prometheus' promtool (Debian packages curl and
/// prometheus, installed by tests/install-deps.sh). A missing tool fails the test with that hint.
/// </summary>
internal static class ExternalTools
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(params string[] arguments) =>
        RunAsync(Find("curl"), arguments, stdin: null);

    /// <summary>Pipes <paramref name="exposition"/> into <c>promtool check metrics</c>.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> PromtoolCheckMetricsAsync(string exposition) =>
        RunAsync(Find("promtool"), ["check", "metrics"], exposition);

    private static string Find(string tool) =>
        new[] { "/usr/bin/", "/usr/local/bin/" }.Select(dir => dir + tool).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{tool} is not installed: run tests/install-deps.sh");

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string path, IEnumerable<string> arguments, string? stdin)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
