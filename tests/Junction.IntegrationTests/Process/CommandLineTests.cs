using System.Text.RegularExpressions;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.ProcessTests;

/// <summary>The command line itself: <c>--version</c>, <c>--help</c>, and rejection of bad option values.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task VersionPrintsASemanticVersionAndExitsZero()
    {
        var (exitCode, stdout, _) = await JunctionProcess.RunToExitAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+"), stdout.Trim());
    }

    [Fact]
    public async Task HelpExitsZeroAndListsTheCommandsAndOptions()
    {
        var (exitCode, stdout, _) = await JunctionProcess.RunToExitAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("validate", stdout, StringComparison.Ordinal);
        Assert.Contains("run", stdout, StringComparison.Ordinal);
        Assert.Contains("--drain-time", stdout, StringComparison.Ordinal);
        Assert.Contains("--log-level", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-level", "nonsense", "--log-level must be one of")]
    [InlineData("--drain-time", "soon", "--drain-time must be a number of seconds")]
    public async Task InvalidOptionValueIsRejectedBeforeStarting(string option, string value, string expectedError)
    {
        await using var echo = new TcpEchoServer();
        using var directory = new TempConfigDirectory();
        var path = directory.Write("proxy.yaml", ProcessTestConfigs.TcpProxy(echo.Port));

        foreach (var arguments in new[] { new[] { "-c", path, option, value }, new[] { "run", "-c", path, option, value } })
        {
            await using var junction = JunctionProcess.Start(arguments);

            // A proxy that accepted the value would run until killed: the timeout turns that into a failure.
            var exitCode = await junction.WaitForExitAsync(TimeSpan.FromSeconds(10));

            Assert.True(exitCode != 0, $"junction {string.Join(' ', arguments)} exited 0");
            var stderr = string.Join("\n", junction.Stderr);
            Assert.Contains(expectedError, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("listening on", stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DebugLogLevelIsAcceptedAndTheProxyRuns()
    {
        await using var echo = new TcpEchoServer();
        using var directory = new TempConfigDirectory();
        var path = directory.Write("proxy.yaml", ProcessTestConfigs.TcpProxy(echo.Port));
        await using var junction = JunctionProcess.Start("run", "-c", path, "--log-level", "debug");

        var listener = await junction.WaitForListenerAsync("in");
        await ShutdownTests.AssertEchoesAsync(listener, "debug");

        junction.Signal(ShutdownTests.SigTerm);
        Assert.Equal(0, await junction.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }
}
