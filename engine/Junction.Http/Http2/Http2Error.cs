namespace Junction.Http.Http2;

/// <summary>
/// A violation of RFC 9113 by the peer, as the frame layer reports it (RFC 9113 §5.4): either a
/// connection error, which the connection answers with GOAWAY and ends, or a stream error, which it
/// answers with RST_STREAM on <see cref="StreamId"/> and otherwise carries on.
/// </summary>
/// <remarks>
/// A value, not an exception: a stream error does not end the connection, and a peer can send frames
/// that cause one as fast as it likes, so reporting them must cost no more than a bad frame is worth.
/// The code that runs the connection may still turn a connection error into an exception to unwind.
/// </remarks>
internal readonly struct Http2Error
{
    private Http2Error(bool isConnectionError, int streamId, Http2ErrorCode code, string reason)
    {
        IsConnectionError = isConnectionError;
        StreamId = streamId;
        Code = code;
        Reason = reason;
    }

    /// <summary>True: send GOAWAY with <see cref="Code"/> and close. False: reset <see cref="StreamId"/> only.</summary>
    public bool IsConnectionError { get; }

    /// <summary>The stream to reset for a stream error; 0 for a connection error.</summary>
    public int StreamId { get; }

    /// <summary>The code for the GOAWAY or RST_STREAM frame.</summary>
    public Http2ErrorCode Code { get; }

    /// <summary>
    /// The rule that was broken, in a few words (a string literal: no allocation). Meant for logs and
    /// GOAWAY debug data, never parsed.
    /// </summary>
    public string Reason { get; }

    public static Http2Error Connection(Http2ErrorCode code, string reason) => new(true, 0, code, reason);

    public static Http2Error Stream(int streamId, Http2ErrorCode code, string reason) => new(false, streamId, code, reason);

    public override string ToString() =>
        IsConnectionError ? $"connection error {Code}: {Reason}" : $"stream {StreamId} error {Code}: {Reason}";
}
