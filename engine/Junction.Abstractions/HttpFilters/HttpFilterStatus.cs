namespace Junction.HttpFilters;

/// <summary>
/// What an HTTP filter tells its chain after it has seen request or response headers, a piece of the
/// body, or trailers. The same three answers mean the same thing in both directions.
/// </summary>
public enum HttpFilterStatus
{
    /// <summary>
    /// Pass it on: the next filter (or, after the last decoder filter, the router; after the last encoder
    /// filter, the client) gets what this filter was given, including body bytes it held with
    /// <see cref="StopAndBuffer"/> before.
    /// </summary>
    Continue,

    /// <summary>
    /// Pause this direction of the stream until the filter calls
    /// <see cref="IHttpFilterCallbacks.ContinueDecoding"/> (requests) or
    /// <see cref="IHttpFilterCallbacks.ContinueEncoding"/> (responses), or answers with
    /// <see cref="IHttpFilterCallbacks.SendLocalReply"/>. Nothing more of that direction is read while it is
    /// paused, so the peer is slowed by flow control instead of filling buffers. Meant for filters that
    /// finish their work from a callback; a filter that can simply <c>await</c> should do so and return
    /// <see cref="Continue"/>. The stream's timeouts keep running while it is paused.
    /// </summary>
    StopIteration,

    /// <summary>
    /// Keep what this filter was given and call it again with more. Returned for headers, the body is read
    /// and buffered and the filter's data callback gets the whole body so far with each new piece; later
    /// filters see the headers only when a data callback returns <see cref="Continue"/>. Returned for a
    /// piece of the body, that piece is held and given back, with the next one, in the same buffer. At the
    /// end of the stream there is nothing more to wait for, so it acts as <see cref="Continue"/>. A body
    /// that outgrows the buffer limit (the listener's <c>per_connection_buffer_limit_bytes</c>) ends the
    /// stream: 413 for a request, 500 for a response.
    /// </summary>
    StopAndBuffer,
}
