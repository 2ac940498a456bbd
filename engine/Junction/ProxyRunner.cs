using System.Runtime.InteropServices;
using Junction.Configuration;
using Junction.Core.AccessLog;
using Junction.Core.Filters;
using Junction.Core.Listeners;
using Junction.Core.Model;
using Junction.Core.Stats;
using Junction.Filters;
using Junction.Host.Admin;
using Junction.Host.Logging;
using Microsoft.Extensions.Logging;

namespace Junction.Host;

/// <summary>Composes the process: filter registry, stats, configuration, server, admin, signals and drain.</summary>
internal static class ProxyRunner
{
    /// <summary>The name errors and logs use for the built-in configuration.</summary>
    public const string EmbeddedSource = "<embedded default>";

    /// <summary>Checks a configuration file without binding any socket. Exit code 0 when valid, 1 otherwise.</summary>
    public static int Validate(string path, TextWriter output, TextWriter errors)
    {
        var loggers = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        var diagnostics = new ConfigDiagnostics();
        var snapshot = LoadSnapshot(path, new StatsStore(), loggers, diagnostics, out var sinks);
        sinks.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (snapshot is null)
        {
            foreach (var error in InFileOrder(diagnostics)) errors.WriteLine(error.ToString());
            errors.WriteLine($"{path}: {diagnostics.Errors.Count} error(s); the configuration is not valid");
            return 1;
        }
        output.WriteLine($"{path}: configuration OK ({Plural(snapshot.Listeners.Count, "listener")}, {Plural(snapshot.Clusters.Clusters.Count, "cluster")})");
        return 0;
    }

    /// <summary>
    /// Runs until SIGTERM, SIGINT or admin's <c>POST /quitquitquit</c>, then drains. Exit code 0 after a
    /// clean shutdown, 1 when it could not start.
    /// </summary>
    public static async Task<int> RunAsync(string? path, LogLevel level, TimeSpan drainTime)
    {
        var levels = new LogLevelSwitch(level);
        using var loggers = new StderrLoggerFactory(levels);
        var logger = loggers.CreateLogger("main");
        var stats = new StatsStore();
        var diagnostics = new ConfigDiagnostics();
        var snapshot = LoadSnapshot(path, stats, loggers, diagnostics, out var sinks);
        await using var _ = sinks.ConfigureAwait(false);
        if (snapshot is null)
        {
            foreach (var error in InFileOrder(diagnostics)) logger.LogCritical("configuration error: {Error}", error.ToString());
            logger.LogCritical("refusing to start: {Count} configuration error(s) in {Source}", diagnostics.Errors.Count, path ?? EmbeddedSource);
            return 1;
        }
        logger.LogInformation("junction {Version} starting with {Source}", JunctionCli.Version, path ?? EmbeddedSource);

        // The reason for shutting down: a signal's name or the admin request that asked for it.
        var shutdown = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = new ServerState(reason => shutdown.TrySetResult(reason));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        ProxyServer server;
        try
        {
            server = await ProxyServer.StartAsync(snapshot, loggers, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ListenerBindException ex)
        {
            logger.LogCritical("{Error}", ex.Message);
            return 1;
        }

        // Admin starts once every listener is bound, so /ready answering LIVE means the proxy is serving.
        AdminServer? admin = null;
        if (snapshot.Admin is not null)
        {
            try
            {
                admin = AdminServer.Start(snapshot, stats, state, new CommandLineOptions(path, level, drainTime), levels, loggers);
            }
            catch (ListenerBindException ex)
            {
                logger.LogCritical("{Error}", ex.Message);
                await server.DisposeAsync().ConfigureAwait(false);
                return 1;
            }
        }

        using var trimmer = new IdleHeapTrimmer();
        var reason = await shutdown.Task.ConfigureAwait(false);
        state.MarkDraining();
        logger.LogInformation("{Signal} received: shutting down (drain time {DrainTime})", reason, drainTime);
        var reset = await server.DrainAsync(drainTime).ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
        // Admin keeps serving through the drain (/ready says DRAINING) and stops last.
        if (admin is not null) await admin.DisposeAsync().ConfigureAwait(false);
        logger.LogInformation("shutdown complete ({Reset} connection(s) reset at the end of the drain)", reset);
        return 0;

        void OnSignal(PosixSignalContext context)
        {
            // Keep the runtime from terminating the process: the drain decides when to exit.
            context.Cancel = true;
            shutdown.TrySetResult(context.Signal.ToString());
        }
    }

    private static ProxySnapshot? LoadSnapshot(string? path, StatsStore stats, ILoggerFactory loggers, ConfigDiagnostics diagnostics, out AccessLogSinks sinks)
    {
        sinks = new AccessLogSinks(stats);
        string yaml;
        var source = path ?? EmbeddedSource;
        if (path is null)
        {
            yaml = ReadEmbeddedDefault();
        }
        else
        {
            try
            {
                yaml = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                diagnostics.Error(new ConfigMark(path, 1, 1), "", $"cannot read the configuration file: {ex.Message}");
                return null;
            }
        }
        var registry = new NetworkFilterRegistry()
            .AddRange(BuiltInFilters.NetworkFilters())
            .Add(new Junction.Http.ConnectionManager.HttpConnectionManagerFactory(new Junction.Http.Filters.HttpFilterRegistry().AddRange(BuiltInFilters.HttpFilters())));
        return new SnapshotBuilder(registry, stats, sinks, loggers).Load(yaml, source, diagnostics);
    }

    private static string ReadEmbeddedDefault()
    {
        using var stream = typeof(ProxyRunner).Assembly.GetManifestResourceStream("default.yaml")
            ?? throw new InvalidOperationException("the embedded default configuration is missing from this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Errors sorted by position, so they read top to bottom like the file.</summary>
    private static IEnumerable<ConfigError> InFileOrder(ConfigDiagnostics diagnostics) =>
        diagnostics.Errors.OrderBy(e => e.Mark.Line).ThenBy(e => e.Mark.Column);

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
