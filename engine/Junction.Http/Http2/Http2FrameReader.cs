using System.Buffers;
using System.Runtime.CompilerServices;

namespace Junction.Http.Http2;

/// <summary>
/// Cuts frames (RFC 9113 §4) out of a connection's input and checks each against the rules of §6
/// that need nothing but the frame itself and this endpoint's settings: where a type may appear
/// (stream 0 or not), the lengths of fixed-size frames, padding, zero window increments, SETTINGS
/// values, push. Rules that need connection state (stream states, CONTINUATION sequencing, flow
/// control, HPACK) are the connection's. One instance per connection.
/// </summary>
/// <remarks>
/// Payloads are slices of the input: nothing is copied or allocated. A header that is already known
/// to be bad (a length above <see cref="MaxFrameSize"/>, a frame on the wrong stream) is rejected as
/// soon as its nine bytes arrive, so a peer cannot make the connection buffer a payload it will
/// refuse anyway.
/// </remarks>
internal sealed class Http2FrameReader
{
    private int _maxFrameSize = Http2Settings.DefaultMaxFrameSize;

    /// <param name="isServer">
    /// True on a downstream (server) connection: PUSH_PROMISE is then always a protocol error. False on
    /// an upstream (client) connection: a SETTINGS_ENABLE_PUSH of 1 from the server is then an error.
    /// </param>
    public Http2FrameReader(bool isServer) => IsServer = isServer;

    public bool IsServer { get; }

    /// <summary>
    /// This endpoint's SETTINGS_MAX_FRAME_SIZE (default 16384): longer frames are a FRAME_SIZE_ERROR.
    /// Raise it when the SETTINGS frame that announces a larger value is sent (the peer may not use it
    /// before acknowledging, but accepting it early is harmless); lower it only once acknowledged.
    /// </summary>
    public int MaxFrameSize
    {
        get => _maxFrameSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, Http2Settings.MinMaxFrameSize);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Http2FrameHeader.MaxLength);
            _maxFrameSize = value;
        }
    }

    /// <summary>
    /// This endpoint's SETTINGS_ENABLE_PUSH when it is a client; true by default as in the RFC. A client
    /// that announces 0 (Junction's always does) sets this false, and a PUSH_PROMISE is then an error.
    /// Ignored on a server.
    /// </summary>
    public bool EnablePush { get; set; } = true;

    /// <summary>Reads the frame at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The unread input; moved past the frame when one is consumed (see <see cref="Http2FrameReadResult"/>).</param>
    /// <param name="frame">The frame, for <see cref="Http2FrameReadResult.Frame"/> and stream errors.</param>
    /// <param name="error">The violation, for <see cref="Http2FrameReadResult.Error"/>.</param>
    public Http2FrameReadResult Read(ref ReadOnlySequence<byte> buffer, out Http2Frame frame, out Http2Error error)
    {
        frame = default;
        if (buffer.Length < Http2FrameHeader.Size)
        {
            error = default;
            return Http2FrameReadResult.NeedMoreData;
        }

        var first = buffer.FirstSpan;
        var header = first.Length >= Http2FrameHeader.Size ? Http2FrameHeader.Read(first) : ReadSplitHeader(buffer);
        if (!CheckHeader(header, out error)) return Http2FrameReadResult.Error;
        if (buffer.Length - Http2FrameHeader.Size < header.Length) return Http2FrameReadResult.NeedMoreData;

        var payload = buffer.Slice(Http2FrameHeader.Size, header.Length);
        var candidate = new Http2Frame(header, payload);
        if (!CheckPayload(candidate, out error))
        {
            if (error.IsConnectionError) return Http2FrameReadResult.Error;
            // A stream error leaves the connection usable: the frame is consumed so that reading goes on after it.
            frame = candidate;
            buffer = buffer.Slice(payload.End);
            return Http2FrameReadResult.Error;
        }

        frame = candidate;
        buffer = buffer.Slice(payload.End);
        return Http2FrameReadResult.Frame;
    }

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static Http2FrameHeader ReadSplitHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[Http2FrameHeader.Size];
        buffer.Slice(0, Http2FrameHeader.Size).CopyTo(bytes);
        return Http2FrameHeader.Read(bytes);
    }

    // Rules decided by the header alone. All are connection errors (RFC 9113 §4.2: a size error in a
    // frame that can change connection state, or on stream 0, is a connection error; the others may
    // be, and a frame the connection will not buffer cannot be skipped without reading it).
    private bool CheckHeader(in Http2FrameHeader header, out Http2Error error)
    {
        error = default;
        var length = header.Length;
        if (length > _maxFrameSize) return Fail(Http2ErrorCode.FrameSizeError, "frame longer than SETTINGS_MAX_FRAME_SIZE", out error);

        var onStreamZero = header.StreamId == 0;
        switch (header.Type)
        {
            case Http2FrameType.Data:
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "DATA on stream 0", out error);
                if (length < PaddingFieldLength(header)) return Fail(Http2ErrorCode.FrameSizeError, "DATA too short for its pad length", out error);
                break;

            case Http2FrameType.Headers:
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "HEADERS on stream 0", out error);
                var priorityLength = header.HasFlag(Http2Flags.Priority) ? 5 : 0;
                if (length < PaddingFieldLength(header) + priorityLength)
                {
                    return Fail(Http2ErrorCode.FrameSizeError, "HEADERS too short for its pad length and priority", out error);
                }
                break;

            case Http2FrameType.Priority:
                // A wrong length is only a stream error here, reported once the frame has arrived.
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "PRIORITY on stream 0", out error);
                break;

            case Http2FrameType.RstStream:
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "RST_STREAM on stream 0", out error);
                if (length != 4) return Fail(Http2ErrorCode.FrameSizeError, "RST_STREAM length is not 4", out error);
                break;

            case Http2FrameType.Settings:
                if (!onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "SETTINGS on a stream", out error);
                if (header.HasFlag(Http2Flags.Ack))
                {
                    if (length != 0) return Fail(Http2ErrorCode.FrameSizeError, "SETTINGS ACK with a payload", out error);
                }
                else if (length % 6 != 0)
                {
                    return Fail(Http2ErrorCode.FrameSizeError, "SETTINGS length is not a multiple of 6", out error);
                }
                break;

            case Http2FrameType.PushPromise:
                if (IsServer) return Fail(Http2ErrorCode.ProtocolError, "PUSH_PROMISE sent to a server", out error);
                if (!EnablePush) return Fail(Http2ErrorCode.ProtocolError, "PUSH_PROMISE while push is disabled", out error);
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "PUSH_PROMISE on stream 0", out error);
                if (length < PaddingFieldLength(header) + 4)
                {
                    return Fail(Http2ErrorCode.FrameSizeError, "PUSH_PROMISE too short for its pad length and promised stream", out error);
                }
                break;

            case Http2FrameType.Ping:
                if (!onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "PING on a stream", out error);
                if (length != 8) return Fail(Http2ErrorCode.FrameSizeError, "PING length is not 8", out error);
                break;

            case Http2FrameType.GoAway:
                if (!onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "GOAWAY on a stream", out error);
                if (length < 8) return Fail(Http2ErrorCode.FrameSizeError, "GOAWAY shorter than 8", out error);
                break;

            case Http2FrameType.WindowUpdate:
                if (length != 4) return Fail(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE length is not 4", out error);
                break;

            case Http2FrameType.Continuation:
                if (onStreamZero) return Fail(Http2ErrorCode.ProtocolError, "CONTINUATION on stream 0", out error);
                break;

            default:
                // An unknown type is ignored whatever its stream and length (RFC 9113 §5.5).
                break;
        }
        return true;
    }

    // Rules that need the payload.
    private bool CheckPayload(in Http2Frame frame, out Http2Error error)
    {
        error = default;
        switch (frame.Type)
        {
            case Http2FrameType.Data:
                return CheckPadding(frame, 0, out error);

            case Http2FrameType.Headers:
                return CheckPadding(frame, frame.HasFlag(Http2Flags.Priority) ? 5 : 0, out error);

            case Http2FrameType.PushPromise:
                return CheckPadding(frame, 4, out error);

            case Http2FrameType.Priority:
                if (frame.Header.Length != 5)
                {
                    error = Http2Error.Stream(frame.StreamId, Http2ErrorCode.FrameSizeError, "PRIORITY length is not 5");
                    return false;
                }
                frame.TryGetPriority(out var priority);
                if (priority.StreamDependency == frame.StreamId)
                {
                    error = Http2Error.Stream(frame.StreamId, Http2ErrorCode.ProtocolError, "stream depends on itself");
                    return false;
                }
                return true;

            case Http2FrameType.WindowUpdate:
                if (frame.GetWindowUpdateIncrement() != 0) return true;
                error = frame.StreamId == 0
                    ? Http2Error.Connection(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE increment 0 on the connection")
                    : Http2Error.Stream(frame.StreamId, Http2ErrorCode.ProtocolError, "WINDOW_UPDATE increment 0");
                return false;

            case Http2FrameType.Settings:
                return CheckSettings(frame, out error);

            default:
                return true;
        }
    }

    private static bool CheckPadding(in Http2Frame frame, int fixedFields, out Http2Error error)
    {
        error = default;
        if (!frame.HasFlag(Http2Flags.Padded)) return true;
        // Pad length byte, fixed fields and padding must fit; an empty fragment or empty data is fine.
        if (frame.GetPadLength() <= frame.Header.Length - 1 - fixedFields) return true;
        return Fail(Http2ErrorCode.ProtocolError, "padding longer than the payload", out error);
    }

    private bool CheckSettings(in Http2Frame frame, out Http2Error error)
    {
        foreach (var entry in frame.GetSettings())
        {
            if (!Http2Settings.Validate(entry, out error)) return false;
            // RFC 9113 §6.5.2: a server may only send 0, and a client must treat 1 as a protocol error.
            if (!IsServer && entry.Parameter == Http2SettingsParameter.EnablePush && entry.Value == 1)
            {
                return Fail(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH 1 from a server", out error);
            }
        }
        error = default;
        return true;
    }

    private static int PaddingFieldLength(in Http2FrameHeader header) => header.HasFlag(Http2Flags.Padded) ? 1 : 0;

    private static bool Fail(Http2ErrorCode code, string reason, out Http2Error error)
    {
        error = Http2Error.Connection(code, reason);
        return false;
    }
}
