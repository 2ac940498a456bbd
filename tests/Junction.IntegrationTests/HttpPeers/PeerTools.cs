using System.Diagnostics;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// The real programs these tests run against the proxy: curl, wrk and nginx, from Debian's packages
/// (installed by tests/install-deps.sh, which tests/run.sh runs first). A missing one fails the test
/// with that hint rather than skipping it, so CI cannot pass without the real peers.
/// </summary>
internal static class PeerTools
{
    private static readonly string[] s_directories = ["/usr/sbin/", "/usr/bin/", "/usr/local/sbin/", "/usr/local/bin/"];

    public static string Find(string tool) =>
        s_directories.Select(directory => directory + tool).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            $"{tool} is not installed (looked in {string.Join(", ", s_directories)}): run tests/install-deps.sh, which installs the Debian packages the tests run (curl, nginx, wrk, nghttp2-client, python3-grpcio, ...)");

    /// <summary>Runs curl and returns its standard output as Latin-1 text; a non-zero exit fails the test.</summary>
    public static async Task<string> CurlAsync(params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await RunAsync(Find("curl"), arguments, TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"curl {string.Join(' ', arguments)} exited {exitCode}: {stderr}");
        return stdout;
    }

    /// <summary>Runs <paramref name="path"/> to its end (killing it at <paramref name="timeout"/>) and returns what it printed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string path, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Latin-1 keeps raw bytes (curl --raw output, binary bodies) one char per byte.
            StandardOutputEncoding = System.Text.Encoding.Latin1,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(path)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0}s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
