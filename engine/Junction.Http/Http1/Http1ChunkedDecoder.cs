using System.Buffers;
using System.Runtime.CompilerServices;
using static Junction.Http.Http1.Http1Characters;

namespace Junction.Http.Http1;

/// <summary>
/// Removes the chunked transfer coding (RFC 9112 §7.1) from a message body: reports the data as
/// slices of the input, skips chunk extensions, reports trailer fields. One instance per connection
/// direction, <see cref="Reset"/> before each chunked body.
/// </summary>
/// <remarks>
/// <code>
/// chunked-body   = *chunk last-chunk trailer-section CRLF
/// chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// chunk-size     = 1*HEXDIG
/// last-chunk     = 1*("0") [ chunk-ext ] CRLF
/// chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
/// </code>
/// Framing lines follow the parser's rules: CRLF only, no bare CR or LF, checked against their
/// limit while incomplete; violations throw <see cref="Http1ParseException"/>. Data is never copied.
/// </remarks>
internal sealed class Http1ChunkedDecoder
{
    private enum State : byte
    {
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Complete,
    }

    private readonly Http1ParserLimits _limits;
    private State _state;
    private long _chunkRemaining;
    private int _trailerBytes;
    private int _trailerCount;

    public Http1ChunkedDecoder(Http1ParserLimits limits) => _limits = limits;

    /// <summary>True once the whole chunked body, trailers included, has been consumed.</summary>
    public bool IsComplete => _state == State.Complete;

    /// <summary>Prepares for the next chunked body.</summary>
    public void Reset()
    {
        _state = State.ChunkSize;
        _chunkRemaining = 0;
        _trailerBytes = 0;
        _trailerCount = 0;
    }

    /// <summary>
    /// Consumes framing until it can report body data, needs more input, or the body is complete.
    /// See <see cref="Http1ChunkedResult"/> for what each result means.
    /// </summary>
    /// <param name="trailers">Receives trailer fields, then the end of the trailer section.</param>
    /// <param name="data">Body bytes when the result is <see cref="Http1ChunkedResult.Data"/>; otherwise empty.</param>
    public Http1ChunkedResult Decode<TH>(ref SequenceReader<byte> reader, ref TH trailers, out ReadOnlySequence<byte> data)
        where TH : struct, IHttp1HeadersHandler
    {
        data = default;
        while (true)
        {
            switch (_state)
            {
                case State.ChunkSize:
                    if (!TryReadChunkSize(ref reader)) return Http1ChunkedResult.NeedMoreData;
                    break;

                case State.ChunkData:
                    var take = Math.Min(reader.Remaining, _chunkRemaining);
                    if (take == 0) return Http1ChunkedResult.NeedMoreData;
                    data = reader.UnreadSequence.Slice(0, take);
                    reader.Advance(take);
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0) _state = State.ChunkDataEnd;
                    return Http1ChunkedResult.Data;

                case State.ChunkDataEnd:
                    if (!TryReadChunkDataEnd(ref reader)) return Http1ChunkedResult.NeedMoreData;
                    _state = State.ChunkSize;
                    break;

                case State.Trailers:
                    if (!Http1Parser.ParseFieldSection(
                            ref reader, ref trailers, ref _trailerBytes, ref _trailerCount, _limits.MaxHeaderBytes, _limits.MaxHeaderCount))
                    {
                        return Http1ChunkedResult.NeedMoreData;
                    }
                    _state = State.Complete;
                    return Http1ChunkedResult.Complete;

                default:
                    return Http1ChunkedResult.Complete;
            }
        }
    }

    private bool TryReadChunkSize(ref SequenceReader<byte> reader)
    {
        if (!Http1Parser.TryFindLine(ref reader, _limits.MaxChunkLineBytes, Http1RejectReason.ChunkLineTooLong, out var length))
        {
            return false;
        }

        var unread = reader.UnreadSpan;
        var size = length <= unread.Length ? ParseChunkSizeLine(unread[..length]) : ParseSplitChunkSizeLine(ref reader, length);
        if (size > _limits.MaxChunkSize) Http1ParseException.Throw(Http1RejectReason.ChunkSizeTooLarge);
        reader.Advance(length + 2);

        if (size == 0)
        {
            _state = State.Trailers;
        }
        else
        {
            _chunkRemaining = size;
            _state = State.ChunkData;
        }
        return true;
    }

    private static long ParseChunkSizeLine(ReadOnlySpan<byte> line)
    {
        long size = 0;
        var i = 0;
        for (; i < line.Length; i++)
        {
            var digit = HexDigitValue(line[i]);
            if (digit < 0) break;
            // Leading zeros are allowed, so the number of digits says nothing: check the value.
            if (size > long.MaxValue >> 4) Http1ParseException.Throw(Http1RejectReason.ChunkSizeTooLarge);
            size = (size << 4) | (long)digit;
        }
        if (i == 0) Http1ParseException.Throw(Http1RejectReason.InvalidChunkSize);
        if (i < line.Length) ValidateChunkExtensions(line[i..]);
        return size;
    }

    private static void ValidateChunkExtensions(ReadOnlySpan<byte> extensions)
    {
        // Extensions carry nothing this proxy uses; they are checked for shape (BWS ";" ...) and for
        // control characters, so nothing smuggled in them reaches a lenient next hop, then dropped.
        if (extensions[0] is not ((byte)';' or SP or HTAB)) Http1ParseException.Throw(Http1RejectReason.InvalidChunkSize);
        var rest = extensions.TrimStart(Whitespace);
        if (rest.IsEmpty || rest[0] != ';' || rest.ContainsAny(ControlExceptTab))
        {
            Http1ParseException.Throw(Http1RejectReason.InvalidChunkExtension);
        }
    }

    private static int HexDigitValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static long ParseSplitChunkSizeLine(ref SequenceReader<byte> reader, int length)
    {
        // MaxChunkLineBytes is small, but it is configurable: only short lines go to the stack.
        byte[]? rented = null;
        var line = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line = line[..length];
            reader.TryCopyTo(line);
            return ParseChunkSizeLine(line);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryReadChunkDataEnd(ref SequenceReader<byte> reader)
    {
        if (!reader.TryPeek(out var first)) return false;
        if (first == LF) Http1ParseException.Throw(Http1RejectReason.BareLineFeed);
        if (first != CR) Http1ParseException.Throw(Http1RejectReason.ChunkDataNotTerminated);
        if (!reader.TryPeek(1, out var second)) return false;
        if (second != LF) Http1ParseException.Throw(Http1RejectReason.BareCarriageReturn);
        reader.Advance(2);
        return true;
    }
}
