using System.Runtime.CompilerServices;
using System.IO.Pipelines;
using Junction.Http.ConnectionManager;
using Junction.Http.Http1;
using Junction.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Junction.Http.Upstream;

/// <summary>
/// One keep-alive HTTP/1.1 connection to an upstream host, with its own parser state. While it sits
/// idle in its pool a watcher keeps a read pending: any byte or FIN from the upstream then means the
/// connection can no longer carry a request (the classic race where a pooled connection the upstream
/// has just closed gets a request and fails), so it is discarded instead of reused.
/// </summary>
internal sealed class Http1UpstreamConnection : IAsyncDisposable
{
    // Awaited exactly once (by TryReactivateAsync), so a pooled ValueTask is safe here.
    private ValueTask<bool> _idleWatch = new(true);
    private volatile bool _closedWhileIdle;

    public Http1UpstreamConnection(IUpstreamConnection upstream, Http1ParserLimits limits)
    {
        Upstream = upstream;
        Parser = new Http1Parser(limits);
        Chunked = new Http1ChunkedDecoder(limits);
    }

    public IUpstreamConnection Upstream { get; }

    public PipeReader Input => Upstream.Connection.Transport.Input;

    public PipeWriter Output => Upstream.Connection.Transport.Output;

    public Http1Parser Parser { get; }

    public Http1ChunkedDecoder Chunked { get; }

    public MessageHead Response { get; } = new();

    /// <summary>Requests sent on this connection so far.</summary>
    public int Requests { get; set; }

    /// <summary>True once the idle watch saw the upstream end the connection (not a request waking it).</summary>
    public bool ClosedWhileIdle => _closedWhileIdle;

    /// <summary>Starts watching the idle connection for bytes or FIN from the upstream.</summary>
    public void StartIdleWatch(Http1ConnectionPool pool)
    {
        IdleSince = System.Diagnostics.Stopwatch.GetTimestamp();
        _idleWatch = WatchWhileIdleAsync(pool);
    }

    /// <summary>When the connection last went idle (Stopwatch timestamp).</summary>
    public long IdleSince { get; private set; }

    /// <summary>Ends the idle watch; true when the connection is still usable.</summary>
[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    public async ValueTask<bool> TryReactivateAsync()
    {
        Input.CancelPendingRead();
        return await _idleWatch.ConfigureAwait(false);
    }

    public void Abort() => Upstream.Connection.Abort(new ConnectionAbortedException("upstream connection abandoned"));

    /// <remarks>
    /// The response head is not returned to its pool here: the exchange's access log may still read it
    /// after the connection is gone. Its buffer is simply left to the GC.
    /// </remarks>
    public ValueTask DisposeAsync() => Upstream.DisposeAsync();

[AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<bool> WatchWhileIdleAsync(Http1ConnectionPool pool)
    {
        bool usable;
        bool cancelled;
        try
        {
            var result = await Input.ReadAsync().ConfigureAwait(false);
            Input.AdvanceTo(result.Buffer.Start);
            cancelled = result.IsCanceled;
            // Cancelled by TryReactivateAsync with nothing received: still good. Anything else (bytes
            // nobody asked for, FIN) makes the connection unusable.
            usable = result.IsCanceled && result.Buffer.IsEmpty && !result.IsCompleted;
        }
        catch (Exception)
        {
            cancelled = false;
            usable = false;
        }
        // Not woken by a request: the upstream ended it while idle, so it leaves the pool now.
        if (!cancelled)
        {
            _closedWhileIdle = true;
            pool.Evict(this);
        }
        return usable;
    }
}
