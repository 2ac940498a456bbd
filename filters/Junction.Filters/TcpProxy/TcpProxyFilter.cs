using System.Runtime.CompilerServices;
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Junction.AccessLog;
using Junction.Network;
using Junction.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Junction.Filters.TcpProxy;

/// <summary>
/// Forwards one downstream connection to an upstream host and back. Downstream bytes arrive through
/// <see cref="OnDataAsync"/> and are written to the upstream pipe; a pump task reads the upstream pipe and
/// writes to the downstream connection. Each direction awaits its destination's flush, so a slow reader on
/// either side stops the proxy reading from the other side once its buffer limit is reached.
/// </summary>
/// <remarks>
/// Half-close is forwarded both ways: a FIN from either peer becomes a FIN to the other, and the
/// connection closes once both directions have ended.
/// </remarks>
internal sealed class TcpProxyFilter(TcpProxyProvider provider) : INetworkReadFilter
{
    private IReadFilterCallbacks _callbacks = null!;
    private IUpstreamConnection? _upstream;
    private PipeWriter? _upstreamOutput;
    private Task _pump = Task.CompletedTask;
    private Timer? _idleTimer;
    private long _lastActivity;
    private bool _upstreamOutputEnded;
    private bool _upstreamInputEnded;
    private int _finished;

    private INetworkConnection Connection => _callbacks.Connection;

    private StreamInfo Info => _callbacks.Connection.Info;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    public async ValueTask<FilterStatus> OnNewConnectionAsync()
    {
        provider.Stats.ConnectionsTotal.Increment();
        // Teardown (upstream close, stats, access log) runs once the downstream connection has closed.
        Connection.Closed.Register(static state => _ = ((TcpProxyFilter)state!).FinishAsync(), this);

        var cluster = provider.PickCluster();
        Info.UpstreamCluster = cluster.Name;
        var result = default(UpstreamConnectResult);
        for (var attempt = 1; attempt <= provider.MaxConnectAttempts; attempt++)
        {
            result = await cluster.ConnectAsync(Connection.Closed).ConfigureAwait(false);
            if (result.Host is not null) Info.UpstreamHost = result.Host;
            if (result.Failure is UpstreamFailure.None or UpstreamFailure.NoHealthyUpstream or UpstreamFailure.Overflow) break;
        }

        if (result.Connection is not { } upstream)
        {
            Info.SetFlag(result.Failure switch
            {
                UpstreamFailure.NoHealthyUpstream => ResponseFlags.NoHealthyUpstream,
                UpstreamFailure.Overflow => ResponseFlags.UpstreamOverflow,
                _ => ResponseFlags.UpstreamConnectionFailure,
            });
            if (result.Failure is UpstreamFailure.ConnectFailed or UpstreamFailure.ConnectTimeout && provider.MaxConnectAttempts > 1)
            {
                Info.SetFlag(ResponseFlags.UpstreamRetryLimitExceeded);
                provider.Stats.ConnectAttemptsExceeded.Increment();
            }
            provider.Stats.NoRoute.Increment();
            Connection.Close(ConnectionCloseType.NoFlush);
            return FilterStatus.StopIteration;
        }

        // For tcp_proxy the connection is the whole exchange: outlier detection counts it as a success
        // (the cluster already reported each failed attempt as a local-origin failure).
        upstream.UpstreamHost.ReportLocalOrigin(LocalOriginResult.ConnectSucceededFinal);
        _upstream = upstream;
        _upstreamOutput = upstream.Connection.Transport.Output;
        Info.UpstreamLocalAddress = upstream.Connection.LocalEndPoint;
        provider.Stats.UpstreamsActive.Increment();
        Touch();
        if (provider.IdleTimeout is { } idle)
        {
            _idleTimer = new Timer(static state => ((TcpProxyFilter)state!).OnIdleTimer(), this, idle, Timeout.InfiniteTimeSpan);
        }
        _pump = PumpUpstreamToDownstreamAsync(upstream.Connection.Transport.Input);
        // A close that is not the clean end of both directions (idle timeout, reset, drain) must also
        // free a read loop blocked on an upstream that stopped reading: reset the upstream at once.
        Connection.Closing.Register(static state => ((TcpProxyFilter)state!).OnClosing(), this);
        return FilterStatus.Continue;
    }

[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    public async ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        var output = _upstreamOutput;
        if (output is null || _upstreamOutputEnded)
        {
            data.ConsumeAll();
            return FilterStatus.StopIteration;
        }
        Touch();
        foreach (var segment in data.Buffer)
        {
            output.Write(segment.Span);
        }
        provider.Stats.BytesReceived.Add(data.Length);
        data.ConsumeAll();
        try
        {
            // Awaiting the flush is the backpressure: while the upstream's send buffer is full, this
            // call does not complete and the downstream socket is not read.
            var flush = await output.FlushAsync().ConfigureAwait(false);
            if (endOfStream && !flush.IsCompleted)
            {
                _upstreamOutputEnded = true;
                await output.CompleteAsync().ConfigureAwait(false);
            }
            if (flush.IsCompleted) Connection.Close(ConnectionCloseType.FlushWrite);
        }
        catch (Exception ex) when (ex is ConnectionResetException or InvalidOperationException)
        {
            Info.SetFlag(ResponseFlags.UpstreamConnectionTermination);
            Connection.Close(ConnectionCloseType.FlushWrite);
        }
        return FilterStatus.StopIteration;
    }

    private async Task PumpUpstreamToDownstreamAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                Touch();
                provider.Stats.BytesSent.Add(buffer.Length);
                var written = await Connection.WriteAsync(buffer, result.IsCompleted).ConfigureAwait(false);
                input.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    _upstreamInputEnded = true;
                    return;
                }
                if (!written || result.IsCanceled) return;
            }
        }
        catch (ConnectionResetException)
        {
            Info.SetFlag(ResponseFlags.UpstreamConnectionTermination);
            Connection.Close(ConnectionCloseType.FlushWrite);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // The downstream connection closed under us; the close path tears down the upstream.
            Connection.Close(ConnectionCloseType.NoFlush);
        }
    }

    private void OnClosing()
    {
        if (_upstream is { } upstream && !(_upstreamInputEnded && _upstreamOutputEnded))
        {
            upstream.Connection.Abort(new ConnectionAbortedException("downstream closing"));
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    private void OnIdleTimer()
    {
        var idle = provider.IdleTimeout!.Value;
        var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (quiet < idle)
        {
            // Activity since the timer was armed: sleep for the rest of the window.
            try
            {
                _idleTimer?.Change(idle - quiet, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
            return;
        }
        provider.Stats.IdleTimeouts.Increment();
        Info.SetFlag(ResponseFlags.StreamIdleTimeout);
        Info.TerminationDetails = "idle_timeout";
        Connection.Close(ConnectionCloseType.NoFlush);
    }

    /// <summary>Runs once after the downstream connection has closed: closes the upstream, settles stats, logs.</summary>
    private async Task FinishAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return;
        _idleTimer?.Dispose();
        if (_upstream is { } upstream)
        {
            // A clean end (both directions finished) closes the upstream in order; anything else
            // (reset, idle timeout, drain) resets it so no half-sent data lingers.
            if (!(_upstreamInputEnded && _upstreamOutputEnded))
            {
                upstream.Connection.Abort(new ConnectionAbortedException("downstream closed"));
            }
            try
            {
                await _pump.ConfigureAwait(false);
                await upstream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Closing errors change nothing for a connection that is already gone.
            }
            provider.Stats.UpstreamsActive.Decrement();
        }
        if (provider.AccessLog.IsEnabled) provider.AccessLog.Log(Info);
    }
}
