using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using Junction.AccessLog;
using Junction.Http.Http1;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    /// <summary>
    /// Answers the current request from the proxy itself (no route, no healthy upstream, direct response,
    /// redirect, upstream failure). If the request body was not read, the connection closes afterwards,
    /// so unread body bytes can never be taken for the next request.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask LocalReplyAsync(Exchange exchange, int status, ReadOnlyMemory<byte>? body, string? location = null, bool skipFilters = false)
    {
        if (!skipFilters && exchange.Filters is { EncoderCount: > 0, EncodingStarted: false })
        {
            await FilteredLocalReplyAsync(exchange, status, body, location).ConfigureAwait(false);
            return;
        }
        provider.Stats.LocalReplies.Increment();
        if (exchange.RequestFraming.Kind != Http1BodyKind.None) exchange.BodyUnread = true;
        var keepAlive = !_request.WantsClose && !exchange.BodyUnread && !_drainAfterExchange;
        WriteLocalReplyHead(status, body?.Length ?? 0, location, keepAlive, _request.Method == Http1Method.Head);
        if (body is { } bytes && _request.Method != Http1Method.Head) _scratch.Write(bytes.Span);
        exchange.Info.SetResponseCode(status);
        exchange.ResponseStarted = true;
        var (_, gone) = await FlushScratchAsync().ConfigureAwait(false);
        EndExchange(exchange, keepAlive && !gone);
    }

    private void WriteLocalReplyHead(int status, int bodyLength, string? location, bool keepAlive, bool isHead)
    {
        var output = _scratch;
        output.ResetWrittenCount();
        output.Write("HTTP/1.1 "u8);
        output.WriteNumber(status);
        output.Write(" "u8);
        output.Write(ReasonPhrases.For(status));
        output.Write("\r\n"u8);
        if (bodyLength > 0 || isHead) output.Write("content-type: text/plain\r\n"u8);
        output.Write("content-length: "u8);
        output.WriteNumber(bodyLength);
        output.Write("\r\n"u8);
        if (location is not null)
        {
            output.Write("location: "u8);
            var span = output.GetSpan(Encoding.ASCII.GetMaxByteCount(location.Length));
            output.Advance(Encoding.ASCII.GetBytes(location, span));
            output.Write("\r\n"u8);
        }
        if (provider.ServerName is { } server) output.WriteField("server"u8, server);
        if (!keepAlive) output.Write("connection: close\r\n"u8);
        output.Write("\r\n"u8);
    }

    /// <summary>
    /// The upstream failed before a complete response. Before any response byte went out the client gets
    /// Envoy's answer (503 for a reset, 504 for a timeout, 502 for a malformed response); after that only
    /// a reset can tell it the response is incomplete.
    /// </summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask UpstreamFailedAsync(Exchange exchange, ResponseFlags flag)
    {
        exchange.Info.SetFlag(flag);
        if (flag == ResponseFlags.UpstreamRemoteReset) exchange.UpstreamStats?.ResetsBeforeResponse.Increment();
        if (exchange.Http2Upstream is { } stream)
        {
            exchange.Http2Upstream = null;
            await stream.CancelAsync().ConfigureAwait(false);
        }
        if (exchange.Upstream is { } upstream)
        {
            upstream.Abort();
            await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
            exchange.Upstream = null;
        }
        if (exchange.ResponseStarted)
        {
            EndExchange(exchange, keepAlive: false);
            Connection.Close(ConnectionCloseType.AbortReset);
            return;
        }
        var (status, body) = flag switch
        {
            ResponseFlags.UpstreamRequestTimeout => (504, "upstream request timeout"u8.ToArray()),
            ResponseFlags.UpstreamProtocolError => (502, "upstream sent an invalid response"u8.ToArray()),
            _ => (503, "upstream connect error or disconnect/reset before headers. reset reason: connection termination"u8.ToArray()),
        };
        // The request body may be only partly sent: never reuse this client connection's framing.
        if (exchange.RequestFraming.Kind != Http1BodyKind.None) exchange.BodyUnread = true;
        await LocalReplyAsync(exchange, status, body).ConfigureAwait(false);
    }

    /// <summary>A malformed or unsafe request: answer with the matching status and close the connection.</summary>
    [AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder))]
    private async ValueTask RejectRequestAsync(Http1RejectReason reason)
    {
        provider.Stats.ProtocolErrors.Increment();
        var status = reason.ToStatusCode();
        var exchange = _exchange ?? OpenExchangeForLocalReply();
        exchange.Info.SetFlag(ResponseFlags.DownstreamProtocolError);
        exchange.Info.TerminationDetails = reason.ToString();
        if (exchange.Upstream is { } upstream)
        {
            upstream.Abort();
            await exchange.Pool!.ReleaseAsync(upstream, reusable: false).ConfigureAwait(false);
            exchange.Upstream = null;
        }
        if (exchange.ResponseStarted)
        {
            EndExchange(exchange, keepAlive: false);
            return;
        }
        exchange.BodyUnread = true;
        var body = Encoding.ASCII.GetBytes(reason.ToString());
        await LocalReplyAsync(exchange, status, body).ConfigureAwait(false);
    }

    /// <summary>
    /// An exchange for a request whose head never completed (a parse error, a header timeout), so that
    /// it can be answered, counted and logged like any other.
    /// </summary>
    private Exchange OpenExchangeForLocalReply()
    {
        provider.Stats.RequestsTotal.Increment();
        provider.Stats.RequestsActive.Increment();
        var exchange = NextExchange(Http1BodyFraming.None);
        _exchange = exchange;
        return exchange;
    }
}
