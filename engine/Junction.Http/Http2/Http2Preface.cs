using System.Buffers;

namespace Junction.Http.Http2;

/// <summary>
/// The client connection preface (RFC 9113 §3.4): the 24 bytes <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>
/// that open every HTTP/2 connection from the client side, before its first SETTINGS frame.
/// </summary>
/// <remarks>
/// The preface reads as an HTTP/1 request line with method PRI and version HTTP/2.0, which no HTTP/1
/// server accepts, so a listener that speaks both can decide from the first bytes.
/// <see cref="Match"/> reports a mismatch at the first byte that differs: an HTTP/1 <c>GET</c> is
/// recognised after one byte, a <c>POST</c> after two, and nobody waits for 24 bytes that a short
/// HTTP/1 request may never send.
/// </remarks>
internal static class Http2Preface
{
    /// <summary>The length of the preface in bytes.</summary>
    public const int Length = 24;

    /// <summary>The preface bytes.</summary>
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Compares the start of a connection's input with the preface. Consumes nothing: on
    /// <see cref="Http2PrefaceMatch.Matches"/> the caller advances past <see cref="Length"/> bytes.
    /// </summary>
    public static Http2PrefaceMatch Match(in ReadOnlySequence<byte> input)
    {
        var first = input.FirstSpan;
        if (first.Length >= Length) return first[..Length].SequenceEqual(Bytes) ? Http2PrefaceMatch.Matches : Http2PrefaceMatch.Mismatch;
        return MatchSplit(input);
    }

    private static Http2PrefaceMatch MatchSplit(in ReadOnlySequence<byte> input)
    {
        Span<byte> start = stackalloc byte[Length];
        var available = (int)Math.Min(input.Length, Length);
        input.Slice(0, available).CopyTo(start);
        if (!start[..available].SequenceEqual(Bytes[..available])) return Http2PrefaceMatch.Mismatch;
        return available == Length ? Http2PrefaceMatch.Matches : Http2PrefaceMatch.NeedMore;
    }
}
