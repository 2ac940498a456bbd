using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Junction.IntegrationTests.ProcessTests;

/// <summary>
/// <c>junction</c> with no <c>-c</c> runs the embedded default configuration: the quick start in the
/// README (curl 127.0.0.1:10000 through tcp_proxy to the direct_response listener on 10001).
/// </summary>
public sealed class DefaultConfigurationTests(ITestOutputHelper output)
{
    private const string Curl = "/usr/bin/curl";
    private static readonly int[] DefaultPorts = [10000, 10001];
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DefaultConfigurationServesHelloThroughTheProxyAndLogsEachConnection()
    {
        // The default configuration has fixed ports. xunit 2 has no dynamic skip, so when they are taken
        // (another proxy on a CI machine) the test reports that it did not run and returns.
        var busy = DefaultPorts.Where(PortIsInUse).ToList();
        if (busy.Count > 0)
        {
            output.WriteLine($"NOT RUN: 127.0.0.1 port(s) {string.Join(", ", busy)} already in use; the embedded default configuration needs them");
            return;
        }
        await using var junction = JunctionProcess.Start();
        IPEndPoint front;
        try
        {
            front = await junction.WaitForListenerAsync("front");
            await junction.WaitForListenerAsync("hello");
        }
        catch (InvalidOperationException) when (junction.HasExited && junction.Stderr.Any(line => line.Contains("cannot bind", StringComparison.Ordinal)))
        {
            output.WriteLine("NOT RUN: another process took port 10000 or 10001 between the check and the start:\n" + string.Join("\n", junction.Stderr));
            return;
        }
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 10000), front);
        Assert.Contains(junction.Stderr, line => line.Contains("starting with <embedded default>", StringComparison.Ordinal));

        var response = await GetOverRawSocketAsync(front);
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("Hello from Junction", response, StringComparison.Ordinal);
        var connections = 1;

        if (File.Exists(Curl))
        {
            var (exitCode, body, errors) = await RunCurlAsync("http://127.0.0.1:10000/");
            // curl exits 18 when fewer bytes arrive than content-length says, so 0 also checks the framing.
            Assert.True(exitCode == 0, $"curl exited {exitCode}: {errors}");
            Assert.StartsWith("Hello from Junction!", body, StringComparison.Ordinal);
            connections++;
        }
        else
        {
            output.WriteLine($"{Curl} not found: checked with a raw socket only");
        }

        var signalled = Stopwatch.StartNew();
        junction.Signal(ShutdownTests.SigTerm);
        Assert.Equal(0, await junction.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(5), $"exit took {signalled.Elapsed} after SIGTERM with no open connection");

        // The access log is written when a connection ends; by exit every one has ended and been flushed.
        var accessLog = junction.Stdout.Where(line => line.Contains(" -> 127.0.0.1:10001 (hello) ", StringComparison.Ordinal)).ToList();
        Assert.Equal(connections, accessLog.Count);
        Assert.Contains(accessLog, line => line.Contains("] tcp 127.0.0.1:", StringComparison.Ordinal) && line.Contains(" 27B in, ", StringComparison.Ordinal));
    }

    private static bool PortIsInUse(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Like junction's own listeners, so a port held only by TIME_WAIT connections counts as free.
        probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return true;
        }
    }

    private static async Task<string> GetOverRawSocketAsync(IPEndPoint endPoint)
    {
        using var timeout = new CancellationTokenSource(IoTimeout);
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, timeout.Token);
        // 27 bytes: the access log line for this connection says so.
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), SocketFlags.None, timeout.Token);
        using var response = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) response.Write(buffer, 0, read);
        return Encoding.ASCII.GetString(response.ToArray());
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCurlAsync(string url)
    {
        var info = new ProcessStartInfo(Curl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-sS", "--max-time", "10", url }) info.ArgumentList.Add(argument);
        using var curl = Process.Start(info)!;
        var stdout = curl.StandardOutput.ReadToEndAsync();
        var stderr = curl.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await curl.WaitForExitAsync(timeout.Token);
        return (curl.ExitCode, await stdout, await stderr);
    }
}
