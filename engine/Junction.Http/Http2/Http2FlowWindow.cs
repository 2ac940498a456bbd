using System.Diagnostics;

namespace Junction.Http.Http2;

/// <summary>
/// One flow-control window (RFC 9113 §5.2, §6.9): of the connection (stream 0) or of a stream, in
/// either direction. A send window counts what the peer lets this endpoint send; a receive window
/// counts what this endpoint lets the peer send, and also decides when to grant more.
/// </summary>
/// <remarks>
/// <para>The window is a signed 31-bit quantity: WINDOW_UPDATE may not take it above 2^31-1, and a
/// smaller SETTINGS_INITIAL_WINDOW_SIZE may take a stream's window below zero, after which nothing
/// may be sent until updates bring it back above zero.</para>
/// <para>A mutable struct, so that a stream's windows live inside the stream object without an
/// allocation each: keep it in a field and call it through that field, never through a copy.</para>
/// <para>Receivers: DATA counts against the connection window and the stream window; consume from
/// the connection window first, so that the connection's accounting stays right when the stream
/// window then refuses the frame with a stream error.</para>
/// </remarks>
internal struct Http2FlowWindow
{
    private int _size;
    // Receive side: the size the window is refilled towards (the stream's initial window, or what the
    // connection window was opened to), and processed bytes not yet given back by a WINDOW_UPDATE.
    private int _target;
    private int _unannounced;

    /// <param name="streamId">0 for the connection window; decides whether errors are connection or stream errors.</param>
    /// <param name="initialSize">
    /// The starting size: SETTINGS_INITIAL_WINDOW_SIZE for a stream (the peer's for a send window,
    /// this endpoint's for a receive window), 65535 for the connection. A receiver that wants a larger
    /// connection window creates it at that size and sends a WINDOW_UPDATE for the difference at once.
    /// </param>
    public Http2FlowWindow(int streamId, int initialSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(initialSize);
        StreamId = streamId;
        _size = initialSize;
        _target = initialSize;
    }

    public readonly int StreamId { get; }

    /// <summary>How many bytes of DATA may still be sent in this direction; negative after a settings decrease.</summary>
    public readonly int Size => _size;

    /// <summary>Receive side: bytes processed but not yet given back to the peer with a WINDOW_UPDATE.</summary>
    public readonly int Unannounced => _unannounced;

    /// <summary>
    /// Charges a DATA frame against the window: a received frame (receive window) or one about to be
    /// sent (send window, where the sender keeps <paramref name="length"/> within <see cref="Size"/>).
    /// </summary>
    /// <param name="length">The whole DATA payload, padding included (RFC 9113 §6.9.1).</param>
    /// <returns>
    /// True for an empty frame even when the window is negative: it carries nothing, and an empty DATA
    /// frame with END_STREAM must not wait for credit. False when the frame is larger than the window
    /// (or the window is negative): the peer broke flow control, a FLOW_CONTROL_ERROR
    /// that is a connection error on the connection window and a stream error on a stream's. The
    /// window is not charged then.
    /// </returns>
    public bool TryConsume(int length, out Http2Error error)
    {
        Debug.Assert(length >= 0);
        if (length > 0 && length > _size)
        {
            error = StreamId == 0
                ? Http2Error.Connection(Http2ErrorCode.FlowControlError, "DATA exceeds the connection window")
                : Http2Error.Stream(StreamId, Http2ErrorCode.FlowControlError, "DATA exceeds the stream window");
            return false;
        }
        _size -= length;
        error = default;
        return true;
    }

    /// <summary>Applies a WINDOW_UPDATE received from the peer (send window).</summary>
    /// <param name="increment">1..2^31-1 (the reader rejects 0).</param>
    /// <returns>
    /// False when the window would exceed 2^31-1 (RFC 9113 §6.9.1): a FLOW_CONTROL_ERROR, connection
    /// error on the connection window, stream error on a stream's. The window is unchanged then.
    /// </returns>
    public bool TryIncrement(int increment, out Http2Error error)
    {
        Debug.Assert(increment > 0);
        if ((long)_size + increment > Http2Settings.MaxWindowSize)
        {
            error = StreamId == 0
                ? Http2Error.Connection(Http2ErrorCode.FlowControlError, "WINDOW_UPDATE takes the connection window above 2^31-1")
                : Http2Error.Stream(StreamId, Http2ErrorCode.FlowControlError, "WINDOW_UPDATE takes the stream window above 2^31-1");
            return false;
        }
        _size += increment;
        error = default;
        return true;
    }

    /// <summary>
    /// Follows a change of SETTINGS_INITIAL_WINDOW_SIZE: the peer's for a send window (when its
    /// SETTINGS arrives), this endpoint's for a receive window (when the peer acknowledges it). Only
    /// stream windows change this way (RFC 9113 §6.9.2); the window may become negative.
    /// </summary>
    /// <param name="delta">New initial window size minus the old one.</param>
    /// <returns>False when the window would exceed 2^31-1, which is always a connection error (FLOW_CONTROL_ERROR).</returns>
    public bool TryAdjust(int delta, out Http2Error error)
    {
        var size = (long)_size + delta;
        // Below -2^31 cannot happen (a window never falls under the negative of the largest initial
        // size), but the check costs nothing and keeps the arithmetic closed.
        if (size is > Http2Settings.MaxWindowSize or < int.MinValue)
        {
            error = Http2Error.Connection(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE takes a stream window above 2^31-1");
            return false;
        }
        _size = (int)size;
        _target = (int)Math.Clamp((long)_target + delta, 0, Http2Settings.MaxWindowSize);
        error = default;
        return true;
    }

    /// <summary>
    /// Receive side: records that <paramref name="processedBytes"/> of received DATA (counted as in
    /// <see cref="TryConsume"/>) were handed on, so the peer may send that much more, and says whether
    /// to tell it now.
    /// </summary>
    /// <returns>
    /// True, with the increment for a WINDOW_UPDATE the caller must send, once the unannounced bytes
    /// reach half of the target window; the window already counts the increment. False while they are
    /// fewer: updates are batched, so a peer streaming small frames does not get one WINDOW_UPDATE per
    /// DATA frame, and the window never runs dry while the peer still has half of it to send. A stream
    /// whose peer has ended it (END_STREAM received) needs no updates: discard the result.
    /// </returns>
    public bool TryGetWindowUpdate(int processedBytes, out int increment)
    {
        Debug.Assert(processedBytes >= 0);
        Debug.Assert((long)_size + _unannounced + processedBytes <= Http2Settings.MaxWindowSize, "more processed than was received");
        _unannounced += processedBytes;
        if (_unannounced == 0 || _unannounced < _target / 2)
        {
            increment = 0;
            return false;
        }
        increment = _unannounced;
        _unannounced = 0;
        _size += increment;
        return true;
    }
}
