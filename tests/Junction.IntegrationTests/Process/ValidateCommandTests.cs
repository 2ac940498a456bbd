using System.Net;
using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.ProcessTests;

/// <summary><c>junction validate -c FILE</c>: exit codes, the one-line summary, and errors as <c>FILE:LINE:COL: path: message</c>.</summary>
public sealed class ValidateCommandTests
{
    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "config-samples"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public async Task EverySampleConfigurationValidates(string sample)
    {
        var path = Path.Combine(RepositoryRoot.Path, "config-samples", sample);

        var (exitCode, stdout, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr:\n{stderr}");
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(path + ": configuration OK", line, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task ValidateReportsEveryBootstrapErrorWithItsLineInFileOrder()
    {
        using var directory = new TempConfigDirectory();
        // Line numbers matter: unknown field on line 7, bad lb_policy on line 12, bad duration on line 14.
        var path = directory.Write("broken.yaml", """
            static_resources:
              listeners:
              - name: in
                address:
                  socket_address: { address: 127.0.0.1, port_value: 0 }
                filter_chains:
                - bogus_field: 1
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: in, cluster: c }
              clusters:
              - lb_policy: NOT_A_POLICY
                name: c
                connect_timeout: soon
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
            """);

        var (exitCode, stdout, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Collection(lines,
            line => AssertError(line, $"{path}:7:7: static_resources.listeners[0].filter_chains[0].bogus_field: ", "unknown field 'bogus_field'"),
            line => AssertError(line, $"{path}:12:16: static_resources.clusters[0].lb_policy: ", "NOT_A_POLICY"),
            line => AssertError(line, $"{path}:14:22: static_resources.clusters[0].connect_timeout: ", "'soon'"),
            line => Assert.Equal($"{path}: 3 error(s); the configuration is not valid", line));
    }

    [Fact]
    public async Task ValidateReportsAnErrorInsideAFilterTypedConfig()
    {
        using var directory = new TempConfigDirectory();
        var path = directory.Write("bad-filter.yaml", """
            static_resources:
              listeners:
              - name: in
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: in
                      cluster: c
                      idle_timeout: banana
              clusters:
              - name: c
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
            """);

        var (exitCode, stdout, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Collection(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => AssertError(line, $"{path}:12:25: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout: ", "'banana'"),
            line => Assert.Equal($"{path}: 1 error(s); the configuration is not valid", line));
    }

    [Fact]
    public async Task ValidateReportsTheLineOfAYamlSyntaxError()
    {
        using var directory = new TempConfigDirectory();
        var path = directory.Write("not-yaml.yaml", "static_resources:\n  listeners:\n  - name: \"in\n    address: x\n");

        var (exitCode, _, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Collection(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => AssertError(line, $"{path}:3:", "invalid YAML"),
            line => Assert.Equal($"{path}: 1 error(s); the configuration is not valid", line));
    }

    [Fact]
    public async Task ValidateOfAMissingFileSaysItCannotReadItWithoutAStackTrace()
    {
        using var directory = new TempConfigDirectory();
        var path = Path.Combine(directory.Path, "does-not-exist.yaml");

        var (exitCode, stdout, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Collection(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.StartsWith($"{path}:1:1: cannot read the configuration file: ", line, StringComparison.Ordinal),
            line => Assert.Equal($"{path}: 1 error(s); the configuration is not valid", line));
        AssertNoStackTrace(stderr);
    }

    [Fact]
    public async Task ValidateOfADirectorySaysItCannotReadIt()
    {
        using var directory = new TempConfigDirectory();

        var (exitCode, _, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", directory.Path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{directory.Path}:1:1: cannot read the configuration file: ", stderr, StringComparison.Ordinal);
        AssertNoStackTrace(stderr);
    }

    [Fact]
    public async Task ValidateWithoutConfigOptionFailsAndSaysItIsRequired()
    {
        var (exitCode, _, stderr) = await JunctionProcess.RunToExitAsync("validate");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("'--config' is required", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateDoesNotBindTheListeners()
    {
        // The test holds the listener's port: validate must still succeed, because it never binds.
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        held.Listen();
        using var directory = new TempConfigDirectory();
        var path = directory.Write("held.yaml", ProcessTestConfigs.TcpProxy(upstreamPort: 1, listenerPort: ((IPEndPoint)held.LocalEndPoint!).Port));

        var (exitCode, stdout, stderr) = await JunctionProcess.RunToExitAsync("validate", "-c", path);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr:\n{stderr}");
        Assert.Equal($"{path}: configuration OK (1 listener, 1 cluster)", stdout);
    }

    private static void AssertError(string line, string expectedPrefix, string expectedInMessage)
    {
        Assert.StartsWith(expectedPrefix, line, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, line[expectedPrefix.Length..], StringComparison.Ordinal);
    }

    internal static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
