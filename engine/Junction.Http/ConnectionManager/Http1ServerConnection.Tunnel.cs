using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using Junction.AccessLog;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    private bool _tunnelClientEnded;

    /// <summary>
    /// The upstream accepted a WebSocket upgrade (101): send the 101 to the client, then the connection
    /// carries bytes both ways, like tcp_proxy, until both sides have closed. Only a 101 switches: any
    /// other answer to an upgrade request stays in HTTP framing.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask BeginTunnelAsync(Exchange exchange, MessageHead head)
    {
        var output = _scratch;
        output.ResetWrittenCount();
        output.Write("HTTP/1.1 101 "u8);
        output.Write(head.Reason);
        output.Write("\r\n"u8);
        for (var i = 0; i < head.FieldCount; i++)
        {
            if (!head.Field(i).Dropped) output.WriteField(head.Name(i), head.Value(i));
        }
        output.WriteField("upgrade"u8, head.UpgradeIndex >= 0 ? head.Value(head.UpgradeIndex) : "websocket"u8);
        output.Write("connection: upgrade\r\n\r\n"u8);
        exchange.Info.SetResponseCode(101);
        exchange.UpstreamStats?.CountResponse(101);
        exchange.ResponseStarted = true;
        _state = State.Tunnel;
        var (_, gone) = await FlushScratchAsync().ConfigureAwait(false);
        if (gone)
        {
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        exchange.TunnelPump = PumpTunnelAsync(exchange.Upstream!.Input);
    }

    /// <summary>Client bytes into the tunnel; the client's FIN half-closes the upstream.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask ForwardTunnelAsync(NetworkData data, bool endOfStream)
    {
        var output = _exchange!.Upstream!.Output;
        output.WriteSequence(data.Buffer);
        data.ConsumeAll();
        if (await FlushUpstreamAsync(output).ConfigureAwait(false) == FlushResultOrFailure.Failed)
        {
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        if (endOfStream)
        {
            _tunnelClientEnded = true;
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Upstream bytes to the client; the upstream's FIN half-closes the client.</summary>
    private async Task PumpTunnelAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                MarkActivity();
                var written = await Connection.WriteAsync(result.Buffer, result.IsCompleted).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || !written) return;
            }
        }
        catch (Exception)
        {
            // An upstream reset or a client gone: either way the tunnel is over.
            Connection.Close(ConnectionCloseType.AbortReset);
        }
    }

    /// <summary>After the client connection closed: close the upstream, settle stats, write the access log.</summary>
    private async Task FinishTunnelAsync(Exchange exchange)
    {
        if (exchange.Upstream is { } upstream)
        {
            // Both sides closed in order: close the upstream in order too; otherwise reset it.
            var clean = _tunnelClientEnded && exchange.TunnelPump is { IsCompletedSuccessfully: true };
            if (!clean) upstream.Abort();
            if (exchange.TunnelPump is { } pump) await pump.ConfigureAwait(false);
            await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
            exchange.Upstream = null;
        }
        exchange.ReleaseClusterPlaces();
        provider.Stats.RequestsActive.Decrement();
        provider.Stats.CountResponse(101);
        exchange.Info.MarkEnded();
        provider.Stats.RequestTime.Record(exchange.Info.Duration.TotalMilliseconds);
        if (provider.AccessLog.IsEnabled) provider.AccessLog.Log(exchange.Info);
        _exchange = null;
    }
}
