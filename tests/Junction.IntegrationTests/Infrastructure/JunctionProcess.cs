using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// The built <c>junction</c> binary run as a real child process (via <c>dotnet junction.dll</c>, which the
/// test project copies next to itself). Captures stdout and stderr line by line and parses the
/// "listener 'NAME' listening on ADDRESS" log lines so tests can use port 0.
/// </summary>
internal sealed partial class JunctionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = new();
    private readonly List<string> _stderr = new();
    private readonly Lock _lock = new();

    private JunctionProcess(Process process) => _process = process;

    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Stdout { get { lock (_lock) return _stdout.ToList(); } }

    public IReadOnlyList<string> Stderr { get { lock (_lock) return _stderr.ToList(); } }

    /// <summary>Starts <c>junction</c> with <paramref name="arguments"/>.</summary>
    public static JunctionProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new JunctionProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (wrapper._lock) wrapper._stdout.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (wrapper._lock) wrapper._stderr.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs <c>junction</c> to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(params string[] arguments)
    {
        await using var process = Start(arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, string.Join("\n", process.Stdout), string.Join("\n", process.Stderr));
    }

    /// <summary>Waits until the listener named <paramref name="name"/> logs its bound address.</summary>
    public async Task<IPEndPoint> WaitForListenerAsync(string name, TimeSpan? timeout = null)
    {
        IPEndPoint? found = null;
        await Eventually.AssertAsync(() =>
        {
            if (_process.HasExited) throw new InvalidOperationException("junction exited early:\n" + string.Join("\n", Stderr));
            foreach (var line in Stderr)
            {
                var match = ListeningLine().Match(line);
                if (match.Success && match.Groups[1].Value == name)
                {
                    found = IPEndPoint.Parse(match.Groups[2].Value);
                    return true;
                }
            }
            return false;
        }, $"listener '{name}' to start", timeout ?? TimeSpan.FromSeconds(30));
        return found!;
    }

    /// <summary>Sends a POSIX signal (e.g. 15 for SIGTERM) to the process.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    /// <summary>Waits for exit within <paramref name="timeout"/>; kills the process and throws if it does not exit.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"junction did not exit within {timeout}:\n" + string.Join("\n", Stderr));
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"listener '([^']+)' listening on (\S+)$")]
    private static partial Regex ListeningLine();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
