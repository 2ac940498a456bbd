using System.Buffers;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The request body as it went upstream (framing included), kept while a retry may have to send it again
/// or a shadow request (a mirror) is to get a copy once it is complete: one buffer serves both. Bounded by
/// the listener's <c>per_connection_buffer_limit_bytes</c>; past it the bytes are dropped, the request
/// streams on, and neither a retry nor a shadow can happen any more (<see cref="Abandoned"/>, counted by
/// the caller as <c>retry_or_shadow_abandoned</c>). An HTTP/1.1 connection has one, begun per request,
/// and keeps the body framed as it went; an HTTP/2 stream (or a request to an HTTP/2 cluster) keeps the
/// bare body (<see cref="Keep"/>), which each attempt frames anew. Written by one task at a time.
/// </summary>
internal sealed class KeptRequestBody
{
    private long _limit;

    /// <summary>The bytes kept so far.</summary>
    public RequestReplayBuffer Bytes { get; } = new();

    /// <summary>True while body bytes are being kept.</summary>
    public bool Keeping { get; private set; }

    /// <summary>The body outgrew the limit: it is gone, and no retry or shadow can use it.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>Starts keeping the current request's body, up to <paramref name="limit"/> bytes.</summary>
    public void Begin(long limit)
    {
        _limit = limit;
        Keeping = true;
        Abandoned = false;
    }

    /// <summary>
    /// Sends the bytes kept since <paramref name="mark"/> to <paramref name="upstream"/>; once the buffer
    /// is past the limit, stops keeping for good.
    /// </summary>
    /// <returns>True when the body was abandoned just now (for the caller to count).</returns>
    public bool CopyNewBytes(int mark, IBufferWriter<byte> upstream)
    {
        upstream.Write(Bytes.Written.Span[mark..]);
        if (Bytes.Length <= _limit) return false;
        Abandon();
        return true;
    }

    /// <summary>
    /// Keeps body bytes as they are, without framing (for an HTTP/2 upstream, where each attempt frames
    /// the body anew as DATA); once past the limit, stops keeping for good.
    /// </summary>
    /// <returns>True when the body was abandoned just now (for the caller to count).</returns>
    public bool Keep(in ReadOnlySequence<byte> bytes)
    {
        if (!Keeping) return false;
        foreach (var segment in bytes) Bytes.Write(segment.Span);
        if (Bytes.Length <= _limit) return false;
        Abandon();
        return true;
    }

    /// <summary>The body is longer than can be kept: it is sent once, and neither retried nor mirrored.</summary>
    public void Abandon()
    {
        Keeping = false;
        Abandoned = true;
        Bytes.Clear();
    }

    /// <summary>The exchange ended: the buffer goes back to the pool.</summary>
    public void End()
    {
        Keeping = false;
        Abandoned = false;
        Bytes.Clear();
    }
}
