using System.Net;
using Junction.Configuration;
using Junction.Core.AccessLog;
using Junction.Core.Filters;
using Junction.Core.Listeners;
using Junction.Core.Model;
using Junction.Core.Stats;
using Junction.Filters;
using Microsoft.Extensions.Logging;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the real engine in the test process from a YAML string: the same loader, builder, listeners and
/// filters as the binary, with the stats store in reach for assertions. Listeners should use port 0;
/// <see cref="Listener"/> returns the address the kernel gave.
/// </summary>
internal sealed class InProcessProxy : IAsyncDisposable
{
    private readonly AccessLogSinks _sinks;
    private readonly ILoggerFactory _loggers;

    private InProcessProxy(ProxyServer server, StatsStore stats, AccessLogSinks sinks, ILoggerFactory loggers)
    {
        Server = server;
        Stats = stats;
        _sinks = sinks;
        _loggers = loggers;
    }

    public ProxyServer Server { get; }

    public StatsStore Stats { get; }

    /// <summary>Builds and starts a proxy; throws with every configuration error when the YAML is invalid.</summary>
    /// <param name="yaml">The bootstrap.</param>
    /// <param name="httpFilters">HTTP filter factories to register besides the built-in ones (test filters).</param>
    public static async Task<InProcessProxy> StartAsync(string yaml, params Junction.HttpFilters.IHttpFilterFactory[] httpFilters)
    {
        var loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning));
        var stats = new StatsStore();
        var sinks = new AccessLogSinks(stats);
        var registry = new NetworkFilterRegistry().AddRange(BuiltInFilters.NetworkFilters()).Add(new Junction.Http.ConnectionManager.HttpConnectionManagerFactory(
            new Junction.Http.Filters.HttpFilterRegistry().AddRange(BuiltInFilters.HttpFilters()).AddRange(httpFilters)));
        var diagnostics = new ConfigDiagnostics();
        var snapshot = new SnapshotBuilder(registry, stats, sinks, loggers).Load(yaml, "test.yaml", diagnostics);
        if (snapshot is null)
        {
            throw new InvalidOperationException("invalid test configuration:\n" + string.Join("\n", diagnostics.Errors));
        }
        var server = await ProxyServer.StartAsync(snapshot, loggers, CancellationToken.None);
        return new InProcessProxy(server, stats, sinks, loggers);
    }

    /// <summary>The bound address of the listener named <paramref name="name"/>.</summary>
    public IPEndPoint Listener(string name) => Server.Listeners.Single(l => l.Name == name).BoundAddress;

    public long Counter(string name) => Stats.CounterValue(name);

    public long Gauge(string name) => Stats.GaugeValue(name);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await _sinks.DisposeAsync();
        _loggers.Dispose();
    }
}
