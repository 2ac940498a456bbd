using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.ProcessTests;

/// <summary><c>junction run</c> refuses to start, with exit code 1 and a reason, when its configuration or a bind fails.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task RunWithInvalidConfigExitsOneNamingTheErrorAndBindsNothing()
    {
        using var directory = new TempConfigDirectory();
        // The listener itself is valid, so a proxy that bound before checking the clusters would log it.
        var path = directory.Write("broken.yaml", """
            static_resources:
              listeners:
              - name: in
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: in, cluster: c }
              clusters:
              - name: c
                connect_timeout: soon
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
            """);
        var started = Stopwatch.StartNew();
        await using var junction = JunctionProcess.Start("run", "-c", path);

        var exitCode = await junction.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
        var stderr = string.Join("\n", junction.Stderr);
        Assert.Contains($"{path}:11:22: static_resources.clusters[0].connect_timeout: ", stderr, StringComparison.Ordinal);
        Assert.Contains("refusing to start", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", stderr, StringComparison.Ordinal);
        ValidateCommandTests.AssertNoStackTrace(stderr);
    }

    [Fact]
    public async Task RunWithMissingConfigFileExitsOneSayingItCannotReadIt()
    {
        using var directory = new TempConfigDirectory();
        var path = Path.Combine(directory.Path, "does-not-exist.yaml");

        var (exitCode, _, stderr) = await JunctionProcess.RunToExitAsync("run", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}:1:1: cannot read the configuration file", stderr, StringComparison.Ordinal);
        ValidateCommandTests.AssertNoStackTrace(stderr);
    }

    [Fact]
    public async Task RunExitsOneWhenTheListenerAddressIsAlreadyBound()
    {
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        held.Listen();
        await using var echo = new TcpEchoServer();
        using var directory = new TempConfigDirectory();
        var path = directory.Write("conflict.yaml", ProcessTestConfigs.TcpProxy(echo.Port, listenerPort: ((IPEndPoint)held.LocalEndPoint!).Port));
        await using var junction = JunctionProcess.Start("-c", path);

        var exitCode = await junction.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        var stderr = string.Join("\n", junction.Stderr);
        Assert.Contains("cannot bind", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", stderr, StringComparison.Ordinal);
        ValidateCommandTests.AssertNoStackTrace(stderr);
    }
}
