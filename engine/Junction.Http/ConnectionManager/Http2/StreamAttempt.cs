using System.Buffers;
using System.Net;
using Junction.Http.Http1;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>A piece of an upstream response body, as an attempt reads it.</summary>
/// <param name="Data">The bytes (valid until <see cref="StreamAttempt.ConsumeBodyAsync"/>).</param>
/// <param name="Complete">The body is whole with these bytes (trailers, if any, are in <see cref="StreamAttempt.ResponseTrailers"/>).</param>
/// <param name="Truncated">The upstream ended inside the body: the client must not take it for a whole one.</param>
internal readonly record struct ResponsePiece(ReadOnlySequence<byte> Data, bool Complete, bool Truncated);

/// <summary>
/// One attempt of an HTTP/2 stream's request on one upstream host: a connection from an HTTP/1.1 pool
/// (<see cref="Http1StreamAttempt"/>) or a stream on a pooled HTTP/2 connection
/// (<see cref="Http2StreamAttempt"/>). The stream drives both the same way, so routing, retries, filters
/// and the response relay are written once, whatever the cluster speaks.
/// </summary>
/// <remarks>
/// The request side (head, body, trailers) and the response side (head, body pieces, trailers) may run at
/// the same time on two tasks, as gRPC streams need; each side is used by one task at a time. An attempt
/// given up (<see cref="DropAsync"/>) fails whatever is still waiting on it.
/// </remarks>
internal abstract class StreamAttempt(IUpstreamHost host, CancellationToken exchange)
{
    // Linked to the exchange: a route timeout or the client going away stops a send the response side
    // itself is blocked in (a retry's replay), not only the request side's. Not disposed: a send racing
    // the drop may still read the token, and it holds no timer; the link goes with the exchange's source.
    private readonly CancellationTokenSource _dropped = CancellationTokenSource.CreateLinkedTokenSource(exchange);

    public IUpstreamHost Host { get; } = host;

    /// <summary>Cancelled when the attempt is given up (or the exchange ends): sends on it stop.</summary>
    public CancellationToken Dropped => _dropped.Token;

    /// <summary>The response head, once <see cref="ReadHeadAsync"/> returned true.</summary>
    public abstract MessageHead Response { get; }

    /// <summary>The response's trailers (when it had any), once its body is complete.</summary>
    public abstract MessageHead? ResponseTrailers { get; }

    /// <summary>The local address of the connection the attempt went out on.</summary>
    public abstract EndPoint? LocalAddress { get; }

    /// <summary>The request head went out: a response to it can be waited for.</summary>
    public bool HeadSent { get; set; }

    /// <summary>Sending part of the request failed: the attempt can only fail, and gets no more of it.</summary>
    public bool SendFailed { get; set; }

    /// <summary>
    /// Sends the request head. <paramref name="contentLength"/> is the body's length when known (-1 when
    /// not); <paramref name="hasBody"/> says whether any body or trailers follow.
    /// </summary>
    public abstract ValueTask SendHeadAsync(MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider, EndPoint? remote, long contentLength, bool hasBody);

    /// <summary>Sends request body bytes, ending the request when <paramref name="endStream"/>.</summary>
    public abstract ValueTask SendBodyAsync(ReadOnlySequence<byte> data, bool endStream);

    /// <summary>Sends the request trailers, which end the request.</summary>
    public abstract ValueTask SendTrailersAsync(MessageHead trailers);

    /// <summary>Waits for the response head; false when the upstream closed before it.</summary>
    public abstract ValueTask<bool> ReadHeadAsync(CancellationToken token);

    /// <summary>
    /// Checks how the response head frames its body (for a request made with <paramref name="method"/>).
    /// False when it cannot be relayed (a protocol error). <paramref name="contentLength"/> is the body's
    /// declared length or -1; <paramref name="hasBody"/> says whether a body follows the head.
    /// </summary>
    public abstract bool AcceptResponse(Http1Method method, out long contentLength, out bool hasBody);

    /// <summary>Reads the next piece of the response body.</summary>
    public abstract ValueTask<ResponsePiece> ReadBodyAsync(CancellationToken token);

    /// <summary>The last piece was handed on: its bytes may be released (and their window given back).</summary>
    public abstract ValueTask ConsumeBodyAsync();

    /// <summary>The exchange is over and the response was relayed whole: the connection may serve another request.</summary>
    public abstract ValueTask CompleteAsync(bool requestComplete);

    /// <summary>Gives the attempt up: the upstream is told (reset or closed) and waiters on it fail.</summary>
    public async ValueTask DropAsync()
    {
        try
        {
            _dropped.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        await AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>Resets or closes the upstream side of an attempt given up.</summary>
    protected abstract ValueTask AbandonAsync();
}
