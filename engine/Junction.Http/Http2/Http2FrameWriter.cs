using System.Buffers;
using System.Buffers.Binary;

namespace Junction.Http.Http2;

/// <summary>
/// Writes frames (RFC 9113 §6) into a connection's output. Stateless: the caller passes the peer's
/// limits (SETTINGS_MAX_FRAME_SIZE) and owns flow control, stream states and ordering, which for
/// HEADERS and its CONTINUATION frames means nothing else may be written in between.
/// </summary>
/// <remarks>
/// Arguments are this endpoint's own values, never the peer's, so a wrong one is a bug and throws.
/// A frame header is written on its own and payload bytes are copied after it in as many pieces as
/// the output hands out: asking for one span of header plus a 16 KiB payload would exceed a pool
/// block and make the pipe allocate.
/// </remarks>
internal static class Http2FrameWriter
{
    /// <summary>Writes the client connection preface (the magic only; a SETTINGS frame must follow).</summary>
    public static void WriteClientPreface(IBufferWriter<byte> output) => output.Write(Http2Preface.Bytes);

    /// <summary>
    /// Writes <paramref name="data"/> as DATA frames of at most <paramref name="maxFrameSize"/> bytes,
    /// END_STREAM on the last one if <paramref name="endStream"/>. Empty data writes one empty frame
    /// (useful only to end the stream). The caller has charged the flow-control windows.
    /// </summary>
    public static void WriteData(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> data, bool endStream, int maxFrameSize)
    {
        CheckStream(streamId);
        CheckMaxFrameSize(maxFrameSize);
        while (data.Length > maxFrameSize)
        {
            WriteHeader(output, maxFrameSize, Http2FrameType.Data, Http2Flags.None, streamId);
            output.Write(data[..maxFrameSize]);
            data = data[maxFrameSize..];
        }
        WriteHeader(output, data.Length, Http2FrameType.Data, endStream ? Http2Flags.EndStream : Http2Flags.None, streamId);
        output.Write(data);
    }

    /// <inheritdoc cref="WriteData(IBufferWriter{byte}, int, ReadOnlySpan{byte}, bool, int)"/>
    public static void WriteData(IBufferWriter<byte> output, int streamId, in ReadOnlySequence<byte> data, bool endStream, int maxFrameSize)
    {
        if (data.IsSingleSegment)
        {
            WriteData(output, streamId, data.FirstSpan, endStream, maxFrameSize);
            return;
        }
        CheckStream(streamId);
        CheckMaxFrameSize(maxFrameSize);
        var rest = data;
        while (rest.Length > maxFrameSize)
        {
            var chunk = rest.Slice(0, maxFrameSize);
            WriteHeader(output, maxFrameSize, Http2FrameType.Data, Http2Flags.None, streamId);
            WriteSequence(output, chunk);
            rest = rest.Slice(chunk.End);
        }
        WriteHeader(output, (int)rest.Length, Http2FrameType.Data, endStream ? Http2Flags.EndStream : Http2Flags.None, streamId);
        WriteSequence(output, rest);
    }

    /// <summary>
    /// Writes an encoded field block as one HEADERS frame followed by as many CONTINUATION frames as
    /// <paramref name="maxFrameSize"/> requires, END_HEADERS on the last of them (RFC 9113 §4.3).
    /// END_STREAM, if asked for, goes on the HEADERS frame: it belongs to the stream, not the block.
    /// </summary>
    public static void WriteHeaders(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> fieldBlock, bool endStream, int maxFrameSize)
    {
        CheckStream(streamId);
        CheckMaxFrameSize(maxFrameSize);
        var type = Http2FrameType.Headers;
        var flags = endStream ? Http2Flags.EndStream : Http2Flags.None;
        while (fieldBlock.Length > maxFrameSize)
        {
            WriteHeader(output, maxFrameSize, type, flags, streamId);
            output.Write(fieldBlock[..maxFrameSize]);
            fieldBlock = fieldBlock[maxFrameSize..];
            type = Http2FrameType.Continuation;
            flags = Http2Flags.None;
        }
        WriteHeader(output, fieldBlock.Length, type, flags | Http2Flags.EndHeaders, streamId);
        output.Write(fieldBlock);
    }

    /// <summary>Writes a SETTINGS frame with the given entries in order (none is valid: "all defaults").</summary>
    public static void WriteSettings(IBufferWriter<byte> output, ReadOnlySpan<Http2SettingsEntry> settings)
    {
        // Six parameters exist; even repeated ones fit in the smallest frame a peer must accept.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.Length, Http2Settings.MinMaxFrameSize / 6);
        var length = settings.Length * 6;
        var span = output.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, Http2FrameType.Settings, Http2Flags.None, 0).Write(span);
        var entries = span[Http2FrameHeader.Size..];
        foreach (var entry in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(entries, (ushort)entry.Parameter);
            BinaryPrimitives.WriteUInt32BigEndian(entries[2..], entry.Value);
            entries = entries[6..];
        }
        output.Advance(Http2FrameHeader.Size + length);
    }

    /// <summary>Acknowledges the peer's SETTINGS frame, once its values have been applied.</summary>
    public static void WriteSettingsAck(IBufferWriter<byte> output) =>
        WriteHeader(output, 0, Http2FrameType.Settings, Http2Flags.Ack, 0);

    /// <summary>Writes a PING, or with <paramref name="ack"/> the answer to one, carrying <paramref name="opaqueData"/> (see <see cref="Http2Frame.GetPingData"/>).</summary>
    public static void WritePing(IBufferWriter<byte> output, ulong opaqueData, bool ack)
    {
        var span = output.GetSpan(Http2FrameHeader.Size + 8);
        new Http2FrameHeader(8, Http2FrameType.Ping, ack ? Http2Flags.Ack : Http2Flags.None, 0).Write(span);
        BinaryPrimitives.WriteUInt64BigEndian(span[Http2FrameHeader.Size..], opaqueData);
        output.Advance(Http2FrameHeader.Size + 8);
    }

    /// <summary>Writes a RST_STREAM frame ending <paramref name="streamId"/> with <paramref name="errorCode"/>.</summary>
    public static void WriteRstStream(IBufferWriter<byte> output, int streamId, Http2ErrorCode errorCode)
    {
        CheckStream(streamId);
        var span = output.GetSpan(Http2FrameHeader.Size + 4);
        new Http2FrameHeader(4, Http2FrameType.RstStream, Http2Flags.None, streamId).Write(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2FrameHeader.Size..], (uint)errorCode);
        output.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>
    /// Writes a GOAWAY frame. <paramref name="debugData"/> is diagnostic text for the peer's logs; it is
    /// cut to what fits the smallest frame every peer accepts, since the peer's limit may be unknown.
    /// </summary>
    /// <param name="lastStreamId">The highest peer-initiated stream that was or may be processed (0 if none).</param>
    public static void WriteGoAway(IBufferWriter<byte> output, int lastStreamId, Http2ErrorCode errorCode, ReadOnlySpan<byte> debugData)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastStreamId);
        if (debugData.Length > Http2Settings.MinMaxFrameSize - 8) debugData = debugData[..(Http2Settings.MinMaxFrameSize - 8)];
        var span = output.GetSpan(Http2FrameHeader.Size + 8);
        new Http2FrameHeader(8 + debugData.Length, Http2FrameType.GoAway, Http2Flags.None, 0).Write(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2FrameHeader.Size..], (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(span[(Http2FrameHeader.Size + 4)..], (uint)errorCode);
        output.Advance(Http2FrameHeader.Size + 8);
        output.Write(debugData);
    }

    /// <summary>Grants the peer <paramref name="increment"/> (1..2^31-1) more bytes on a stream, or on the connection with stream 0.</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> output, int streamId, int increment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(increment);
        var span = output.GetSpan(Http2FrameHeader.Size + 4);
        new Http2FrameHeader(4, Http2FrameType.WindowUpdate, Http2Flags.None, streamId).Write(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2FrameHeader.Size..], (uint)increment);
        output.Advance(Http2FrameHeader.Size + 4);
    }

    private static void WriteHeader(IBufferWriter<byte> output, int length, Http2FrameType type, Http2Flags flags, int streamId)
    {
        new Http2FrameHeader(length, type, flags, streamId).Write(output.GetSpan(Http2FrameHeader.Size));
        output.Advance(Http2FrameHeader.Size);
    }

    private static void WriteSequence(IBufferWriter<byte> output, in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) output.Write(segment.Span);
    }

    private static void CheckStream(int streamId) => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);

    // Normally the peer's SETTINGS_MAX_FRAME_SIZE (at least 2^14), but any smaller positive size is
    // valid on the wire: a caller may cut frames shorter so that streams interleave more finely.
    private static void CheckMaxFrameSize(int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, Http2FrameHeader.MaxLength);
    }
}
