using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Junction.Host.Admin;
using Microsoft.Extensions.Logging;

namespace Junction.Host;

/// <summary>
/// The command line: <c>junction [run] [-c FILE]</c> runs the proxy (the embedded default configuration
/// when no file is given); <c>junction validate -c FILE</c> checks a file and exits 0 or 1.
/// </summary>
internal static class JunctionCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Bootstrap YAML file (Envoy v3 shape). Default: the embedded configuration." };
        var logLevel = new Option<string>("--log-level", "-l")
        {
            Description = "trace, debug, info, warning, error, critical or off.",
            DefaultValueFactory = _ => "info",
        };
        logLevel.Validators.Add(result =>
        {
            if (!LogLevelSwitch.TryParse(result.GetValueOrDefault<string>(), out _)) result.AddError("--log-level must be one of: trace, debug, info, warning, error, critical, off");
        });
        var drainTime = new Option<string>("--drain-time")
        {
            Description = "How long a shutdown waits for open connections before resetting them, e.g. 30s or 30.",
            DefaultValueFactory = _ => "30s",
        };
        drainTime.Validators.Add(result =>
        {
            if (!TryParseSeconds(result.GetValueOrDefault<string>(), out _)) result.AddError("--drain-time must be a number of seconds, such as 30s or 2.5");
        });

        var validateConfig = new Option<FileInfo>("--config", "-c") { Description = "Bootstrap YAML file to check.", Required = true };
        var validate = new Command("validate", "Check a configuration file: print every error with its line, or a one-line summary.")
        {
            validateConfig,
        };
        validate.SetAction(parse => ProxyRunner.Validate(parse.GetValue(validateConfig)!.ToString(), Console.Out, Console.Error));

        // The run options are recursive on the root, so `junction -c F` and `junction run -c F` both work
        // and each option is defined (and its errors reported) once.
        config.Recursive = true;
        logLevel.Recursive = true;
        drainTime.Recursive = true;
        var run = new Command("run", "Run the proxy (the default command).");
        run.SetAction((parse, token) => Run(parse, config, logLevel, drainTime));

        var root = new RootCommand("Junction: an Envoy-class L4/L7 proxy.") { config, logLevel, drainTime, run, validate };
        root.SetAction((parse, token) => Run(parse, config, logLevel, drainTime));
        // ProxyRunner handles SIGTERM and SIGINT itself and drains for up to --drain-time. Left on,
        // System.CommandLine's own handler would end InvokeAsync with exit code 143 (130 for SIGINT) two
        // seconds after the signal, cutting every longer drain short.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }

    private static Task<int> Run(ParseResult parse, Option<FileInfo?> config, Option<string> logLevel, Option<string> drainTime)
    {
        LogLevelSwitch.TryParse(parse.GetValue(logLevel), out var level);
        TryParseSeconds(parse.GetValue(drainTime), out var drain);
        return ProxyRunner.RunAsync(parse.GetValue(config)?.ToString(), level, drain);
    }

    public static string Version =>
        typeof(JunctionCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static bool TryParseSeconds(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text)) return false;
        var number = text.EndsWith('s') ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 86_400)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
