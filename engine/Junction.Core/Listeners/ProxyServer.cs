using System.Net.Sockets;
using Junction.Core.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Listeners;

/// <summary>
/// Runs one configuration snapshot: warms its clusters, binds its listeners, and on shutdown drains
/// them (stop accepting, let open connections finish, reset whatever is left when the drain time ends).
/// </summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private readonly ProxySnapshot _snapshot;
    private readonly ILogger _logger;
    private readonly List<ActiveListener> _listeners = new();

    private ProxyServer(ProxySnapshot snapshot, ILogger logger)
    {
        _snapshot = snapshot;
        _logger = logger;
    }

    public IReadOnlyList<ActiveListener> Listeners => _listeners;

    public ProxySnapshot Snapshot => _snapshot;

    /// <summary>Warms clusters (initial DNS) and binds every listener; on a bind failure, closes what was bound and throws.</summary>
    public static async Task<ProxyServer> StartAsync(ProxySnapshot snapshot, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("server");
        var server = new ProxyServer(snapshot, logger);
        await snapshot.Clusters.InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var model in snapshot.Listeners)
            {
                ActiveListener listener;
                try
                {
                    listener = ActiveListener.Start(model, loggers.CreateLogger("listener"));
                }
                catch (SocketException ex)
                {
                    throw new ListenerBindException(model.Name, model.Address, ex);
                }
                server._listeners.Add(listener);
                logger.LogInformation("listener '{Listener}' listening on {Address}", model.Name, listener.BoundAddress);
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    /// <summary>
    /// Graceful shutdown: stop accepting on every listener, wait up to <paramref name="drainTime"/> for
    /// open connections to finish, then reset the rest. Returns the number of connections reset.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan drainTime)
    {
        foreach (var listener in _listeners) await listener.StopAcceptingAsync().ConfigureAwait(false);
        var open = _listeners.Sum(l => l.ActiveConnections);
        _logger.LogInformation("draining: stopped accepting; waiting up to {DrainTime} for {Open} open connection(s)", drainTime, open);
        var allClosed = Task.WhenAll(_listeners.Select(l => l.AllConnectionsClosed));
        var finished = await Task.WhenAny(allClosed, Task.Delay(drainTime)).ConfigureAwait(false);
        var reset = 0;
        if (finished != allClosed)
        {
            reset = _listeners.Sum(l => l.ActiveConnections);
            _logger.LogInformation("drain time over: resetting {Count} connection(s)", reset);
            foreach (var listener in _listeners) listener.AbortAll();
            await allClosed.ConfigureAwait(false);
        }
        return reset;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners) await listener.DisposeAsync().ConfigureAwait(false);
        await _snapshot.Clusters.DisposeAsync().ConfigureAwait(false);
    }
}
