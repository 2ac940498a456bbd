using System.Net;
using System.Text.RegularExpressions;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// The real <c>junction</c> binary running <see cref="AdminYaml.Bootstrap"/> in front of a
/// <see cref="TcpEchoServer"/>, with the admin address parsed from its "admin listening on ADDRESS" log line.
/// </summary>
internal sealed partial class AdminJunction : IAsyncDisposable
{
    private readonly TempConfigDirectory _directory;

    private AdminJunction(JunctionProcess process, TcpEchoServer echo, TempConfigDirectory directory, string configPath)
    {
        Process = process;
        Echo = echo;
        _directory = directory;
        ConfigPath = configPath;
    }

    public JunctionProcess Process { get; }

    public TcpEchoServer Echo { get; }

    public string ConfigPath { get; }

    public IPEndPoint Admin { get; private set; } = null!;

    /// <summary>The tcp_proxy listener <c>in</c>, which forwards to <see cref="Echo"/>.</summary>
    public IPEndPoint Listener { get; private set; } = null!;

    /// <summary>Starts junction with <c>-c CONFIG</c> and <paramref name="arguments"/>; waits for both listeners.</summary>
    public static async Task<AdminJunction> StartAsync(params string[] arguments)
    {
        var echo = new TcpEchoServer();
        var directory = new TempConfigDirectory();
        var path = directory.Write("admin.yaml", AdminYaml.Bootstrap(echo.Port));
        var process = JunctionProcess.Start(["-c", path, .. arguments]);
        var junction = new AdminJunction(process, echo, directory, path);
        try
        {
            junction.Listener = await process.WaitForListenerAsync("in");
            junction.Admin = await WaitForAdminAsync(process);
        }
        catch
        {
            await junction.DisposeAsync();
            throw;
        }
        return junction;
    }

    /// <summary>Waits for the "admin listening on ADDRESS" line and returns the address.</summary>
    public static async Task<IPEndPoint> WaitForAdminAsync(JunctionProcess process)
    {
        IPEndPoint? found = null;
        await Eventually.AssertAsync(() =>
        {
            if (process.HasExited) throw new InvalidOperationException("junction exited early:\n" + string.Join("\n", process.Stderr));
            foreach (var line in process.Stderr)
            {
                var match = AdminListeningLine().Match(line);
                if (match.Success)
                {
                    found = IPEndPoint.Parse(match.Groups[1].Value);
                    return true;
                }
            }
            return false;
        }, "admin to start listening", TimeSpan.FromSeconds(30));
        return found!;
    }

    public Task<AdminReply> GetAsync(string target) => AdminHttp.GetAsync(Admin, target);

    public Task<AdminReply> PostAsync(string target) => AdminHttp.PostAsync(Admin, target);

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await Echo.DisposeAsync();
        _directory.Dispose();
    }

    [GeneratedRegex(@"admin listening on (\S+)$")]
    private static partial Regex AdminListeningLine();
}
