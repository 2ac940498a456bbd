using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Junction.Core.Listeners;
using Junction.Core.Model;
using Junction.Core.Network;
using Junction.Core.Stats;
using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>
/// Envoy's admin interface on <c>admin.address</c>: its own listener (stats under
/// <c>listener.admin.*</c>) whose only filter is <see cref="AdminFilter"/>, serving the endpoints
/// listed by <see cref="AdminRouter.Help"/>.
/// </summary>
/// <remarks>
/// The admin listener is not one of the <see cref="ProxyServer"/>'s: it keeps serving while the proxy
/// drains (so <c>/ready</c> can say DRAINING and <c>/stats</c> can watch the drain) and is stopped
/// last, by <see cref="DisposeAsync"/>.
/// </remarks>
internal sealed class AdminServer : IAsyncDisposable
{
    // Admin responses are complete and small; a connection mid-response at shutdown gets this long.
    private static readonly TimeSpan s_closeGracePeriod = TimeSpan.FromSeconds(2);

    // The parser's limits bound what one request can make a connection buffer (16 KiB request line,
    // 60 KiB of fields); bodies are consumed as they arrive. Envoy's default buffer limit.
    private const int BufferLimitBytes = 1024 * 1024;

    private readonly ConcurrentDictionary<AdminFilter, byte> _filters = new();
    private readonly ILogger _logger;
    private ActiveListener _listener = null!;
    private volatile bool _stopping;

    private AdminServer(AdminRouter router, ILogger logger)
    {
        Router = router;
        _logger = logger;
    }

    public AdminRouter Router { get; }

    /// <summary>The address actually bound (with the kernel's port when the configuration said 0).</summary>
    public IPEndPoint BoundAddress => _listener.BoundAddress;

    /// <summary>True once <see cref="DisposeAsync"/> has begun: connections close after their current response.</summary>
    public bool IsStopping => _stopping;

    /// <summary>
    /// Binds <c>admin.address</c> of <paramref name="snapshot"/> and starts serving. Throws
    /// <see cref="ListenerBindException"/> (listener <c>admin</c>) when the address is unavailable.
    /// </summary>
    public static AdminServer Start(
        ProxySnapshot snapshot, StatsStore stats, ServerState state, CommandLineOptions options, LogLevelSwitch levels, ILoggerFactory loggers)
    {
        var config = snapshot.Admin ?? throw new ArgumentException("the snapshot has no admin address", nameof(snapshot));
        var logger = loggers.CreateLogger("admin");
        var server = new AdminServer(CreateRouter(snapshot, stats, state, options, levels, logger), logger);

        var address = new IPEndPoint(IPAddress.Parse(config.Address.Address), config.Address.Port);
        var model = new ListenerModel(
            Name: "admin",
            Address: address,
            DualMode: config.Address.Ipv4Compat,
            Backlog: 128,
            BufferLimitBytes: BufferLimitBytes,
            ConnectionLimit: null,
            Stats: new ListenerStats(stats.Scope("listener").Scope("admin")),
            FilterChain: [new AdminFilterProvider(server, logger)]);
        try
        {
            server._listener = ActiveListener.Start(model, logger);
        }
        catch (SocketException ex)
        {
            throw new ListenerBindException("admin", address, ex);
        }
        logger.LogInformation("admin listening on {Address}", server.BoundAddress);
        return server;
    }

    /// <summary>The endpoints, each with its handler.</summary>
    public static AdminRouter CreateRouter(
        ProxySnapshot snapshot, StatsStore stats, ServerState state, CommandLineOptions options, LogLevelSwitch levels, ILogger logger)
    {
        var commands = new ServerCommandHandler(state);
        var statsHandler = new StatsHandler(stats);
        var clusters = new ClustersHandler(snapshot.Clusters);
        var configDump = new ConfigDumpHandler(snapshot.Bootstrap, DateTimeOffset.UtcNow);
        var serverInfo = new ServerInfoHandler(state, options, snapshot.Bootstrap);
        var logging = new LoggingHandler(levels, logger);
        return new AdminRouter(
        [
            new("/clusters", "upstream cluster status (format=json for JSON)", false, clusters.Clusters),
            new("/config_dump", "dump the loaded bootstrap configuration", false, configDump.ConfigDump),
            new("/healthcheck/fail", "cause the server to fail health checks (/ready answers 503)", true, commands.HealthCheckFail),
            new("/healthcheck/ok", "cause the server to pass health checks", true, commands.HealthCheckOk),
            new("/logging", "print the log level; POST with level=LEVEL changes it", false, logging.Logging),
            new("/quitquitquit", "drain and exit the server, as SIGTERM does", true, commands.QuitQuitQuit),
            new("/ready", "print server state, return 200 if LIVE, otherwise return 503", false, commands.Ready),
            new("/server_info", "print server version/status information", false, serverInfo.ServerInfo),
            new("/stats", "print server stats (filter=REGEX, usedonly, format=json|prometheus)", false, statsHandler.Stats),
            new("/stats/prometheus", "print server stats in prometheus format (filter=REGEX, usedonly)", false, statsHandler.Prometheus),
        ]);
    }

    internal void Track(AdminFilter filter) => _filters.TryAdd(filter, 0);

    internal void Untrack(AdminFilter filter) => _filters.TryRemove(filter, out _);

    /// <summary>
    /// Stops accepting, closes idle connections, lets the others finish their response (for a short
    /// grace period), then resets whatever is left.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _listener.StopAcceptingAsync().ConfigureAwait(false);
        foreach (var filter in _filters.Keys) filter.CloseIfIdle();
        var closed = _listener.AllConnectionsClosed;
        if (await Task.WhenAny(closed, Task.Delay(s_closeGracePeriod)).ConfigureAwait(false) != closed)
        {
            _logger.LogDebug("admin: resetting {Count} connection(s) still open at shutdown", _listener.ActiveConnections);
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}
