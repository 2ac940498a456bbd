using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Junction.Core.Model;
using Junction.Core.Network;
using Junction.Core.Transport;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Listeners;

/// <summary>
/// A bound listening socket and its accept loop. Every accepted connection gets a fresh filter chain from
/// the listener's providers and runs on its own task; the listener tracks them for limits and draining.
/// </summary>
internal sealed class ActiveListener : IAsyncDisposable
{
    private readonly ListenerModel _model;
    private readonly Socket _socket;
    private readonly TransportOptions _transport;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, NetworkConnection> _connections = new();
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _stopped;

    private ActiveListener(ListenerModel model, Socket socket, ILogger logger)
    {
        _model = model;
        _socket = socket;
        _logger = logger;
        _transport = new TransportOptions(model.BufferLimitBytes);
        BoundAddress = (IPEndPoint)socket.LocalEndPoint!;
    }

    public string Name => _model.Name;

    /// <summary>The address actually bound (with the kernel's port when the configuration said 0).</summary>
    public IPEndPoint BoundAddress { get; }

    public int ActiveConnections => _connections.Count;

    /// <summary>
    /// SO_REUSEADDR, so that a restarted proxy binds while its old connections sit in TIME_WAIT. On Linux it
    /// is set by number: the runtime's <see cref="SocketOptionName.ReuseAddress"/> sets SO_REUSEPORT as well,
    /// which would let a second process bind the same port and silently take part of its connections.
    /// </summary>
    private static void AllowBindDuringTimeWait(Socket socket)
    {
        const int SolSocket = 1;
        const int SoReuseAddr = 2;
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        else socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address is unavailable.</summary>
    public static ActiveListener Start(ListenerModel model, ILogger logger)
    {
        var socket = new Socket(model.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowBindDuringTimeWait(socket);
            if (model.Address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = model.DualMode;
            socket.Bind(model.Address);
            socket.Listen(model.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new ActiveListener(model, socket, logger);
        listener._acceptLoop = listener.AcceptLoopAsync();
        return listener;
    }

    /// <summary>Closes the listening socket: new connections are refused; open ones carry on.</summary>
    public async Task StopAcceptingAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Values) connection.RequestDrain();
        if (_connections.IsEmpty) _allClosed.TrySetResult();
    }

    /// <summary>Completes when every open connection has closed (after <see cref="StopAcceptingAsync"/>).</summary>
    public Task AllConnectionsClosed => _allClosed.Task;

    /// <summary>Resets every connection still open (the end of a drain period).</summary>
    public void AbortAll()
    {
        foreach (var connection in _connections.Values) connection.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync().ConfigureAwait(false);
        AbortAll();
        await AllConnectionsClosed.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopped)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (_stopped || ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: log and keep accepting; the kernel queue holds the rest.
                _logger.LogWarning("listener {Listener}: accept failed: {Error}", Name, ex.SocketErrorCode);
                continue;
            }

            if (_model.ConnectionLimit is { } limit && _connections.Count >= limit)
            {
                // Like Envoy: accept and close at once, so the client sees a prompt close, not a stall.
                _model.Stats.Overflow.Increment();
                accepted.Dispose();
                continue;
            }
            accepted.NoDelay = true;
            _ = RunConnectionAsync(accepted);
        }
    }

    private async Task RunConnectionAsync(Socket socket)
    {
        var stats = _model.Stats;
        SocketConnection transport;
        try
        {
            transport = new SocketConnection(socket, _transport);
        }
        catch (SocketException)
        {
            // The peer was gone before we could read its addresses.
            socket.Dispose();
            return;
        }
        var connection = new NetworkConnection(transport, stats, _model.BufferLimitBytes, _logger);
        _connections[connection.Id] = connection;
        stats.ConnectionsTotal.Increment();
        stats.ConnectionsActive.Increment();
        try
        {
            foreach (var provider in _model.FilterChain) provider.CreateFilters(connection);
            transport.Start();
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "listener {Listener}: connection {Id} failed", Name, connection.Id);
            transport.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("filter chain failed", ex));
            await transport.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            stats.BytesReceived.Add(transport.BytesReceived);
            stats.BytesSent.Add(transport.BytesSent);
            // Leave the set the connection limit counts before the gauge drops, so a client that sees
            // the gauge fall can always connect.
            _connections.TryRemove(connection.Id, out _);
            stats.ConnectionsActive.Decrement();
            stats.ConnectionsDestroyed.Increment();
            if (_stopped && _connections.IsEmpty) _allClosed.TrySetResult();
        }
    }
}
