using System.Runtime.CompilerServices;
using Junction.Upstream;

namespace Junction.Http.Upstream.Http2;

/// <summary>
/// The HTTP/2 connections to one upstream host: a request takes a stream on a connection that has one
/// free (few connections, many streams each), and a new connection is opened through the cluster (its
/// connect_timeout and max_connections apply) only when every existing one is full or going away.
/// </summary>
internal sealed class Http2ClientPool
{
    // Per host and priority, as the HTTP/1.1 pools: a HIGH request's connections count against HIGH max_connections.
    private static readonly ConditionalWeakTable<IUpstreamHost, Http2ClientPool> s_pools = new();
    private static readonly ConditionalWeakTable<IUpstreamHost, Http2ClientPool> s_highPriorityPools = new();

    private readonly List<Http2ClientConnection> _connections = [];
    private readonly Lock _lock = new();
    // One connection attempt at a time: requests that arrive meanwhile wait for it and share it,
    // instead of each opening a connection of its own (a burst would otherwise open one per request).
    private readonly SemaphoreSlim _connecting = new(1, 1);
    // Closes connections without streams for longer than the cluster's idle_timeout; runs while there are connections.
    private Timer? _idleSweep;
    private TimeSpan _idleTimeout;

    /// <summary>The pool of <paramref name="host"/> for requests of <paramref name="cluster"/>'s priority.</summary>
    public static Http2ClientPool For(IUpstreamCluster cluster, IUpstreamHost host) =>
        (cluster.Priority == RoutingPriority.High ? s_highPriorityPools : s_pools).GetValue(host, static _ => new Http2ClientPool());

    /// <summary>A stream on a connection to <paramref name="host"/>, or the reason there is none.</summary>
    public async ValueTask<(Http2ClientStream? Stream, UpstreamConnectResult Result)> AcquireStreamAsync(
        IUpstreamCluster cluster, IUpstreamHost host, UpstreamHttp2Options options, int maxHeaderBytes, CancellationToken token)
    {
        var ok = new UpstreamConnectResult(null, UpstreamFailure.None, host.Address);
        if (TryReserve() is { } existing) return (existing, ok);
        await _connecting.WaitAsync(token).ConfigureAwait(false);
        try
        {
            // Another request may have opened a connection while this one waited.
            if (TryReserve() is { } shared) return (shared, ok);
            var result = await cluster.ConnectAsync(host, token).ConfigureAwait(false);
            if (result.Connection is not { } upstream) return (null, result);
            Http2ClientConnection connection;
            try
            {
                connection = await Http2ClientConnection.StartAsync(upstream, options, maxHeaderBytes).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                // The host closed before the preface went out: the connection (and its slot) goes back.
                await upstream.DisposeAsync().ConfigureAwait(false);
                return (null, new UpstreamConnectResult(null, UpstreamFailure.ConnectFailed, host.Address));
            }
            lock (_lock)
            {
                _connections.Add(connection);
                if (cluster.HttpOptions.IdleTimeout is { } idle && _idleSweep is null)
                {
                    _idleTimeout = idle;
                    var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 2, TimeSpan.TicksPerMillisecond * 10));
                    _idleSweep = new Timer(static state => ((Http2ClientPool)state!).SweepIdle(), this, period, period);
                }
            }
            return connection.TryReserveStream() is { } stream
                ? (stream, ok)
                : (null, new UpstreamConnectResult(null, UpstreamFailure.ConnectFailed, host.Address));
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>Closes the connections that have carried no stream for longer than idle_timeout.</summary>
    private void SweepIdle()
    {
        List<Http2ClientConnection>? idle = null;
        lock (_lock)
        {
            for (var i = _connections.Count - 1; i >= 0; i--)
            {
                var connection = _connections[i];
                var expired = connection.ActiveStreams == 0 && System.Diagnostics.Stopwatch.GetElapsedTime(connection.IdleSince) >= _idleTimeout;
                if (!expired && !connection.IsDone) continue;
                _connections.RemoveAt(i);
                if (expired) (idle ??= []).Add(connection);
            }
            if (_connections.Count == 0)
            {
                _idleSweep?.Dispose();
                _idleSweep = null;
            }
        }
        foreach (var connection in idle ?? []) _ = connection.CloseIdleAsync().AsTask();
    }

    private Http2ClientStream? TryReserve()
    {
        lock (_lock)
        {
            for (var i = _connections.Count - 1; i >= 0; i--)
            {
                var connection = _connections[i];
                if (connection.IsDone)
                {
                    // Going away or closed: it finishes its streams on its own; new ones go elsewhere.
                    if (connection.ActiveStreams == 0) _connections.RemoveAt(i);
                    continue;
                }
                if (connection.TryReserveStream() is { } stream) return stream;
            }
            return null;
        }
    }
}
