using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Junction.Http.Http2.Hpack;

/// <summary>
/// Thrown by <see cref="HpackDecoder"/> when a header block cannot be decoded. When
/// <see cref="IsConnectionError"/> is true the connection must end with COMPRESSION_ERROR; otherwise
/// (<see cref="HpackDecodingError.HeaderListTooLarge"/>) only the stream is refused.
/// </summary>
/// <remarks>
/// An exception rather than a result for the same reasons as the HTTP/1 parser's
/// (<c>Http1ParseException</c>): a malformed block never happens on a healthy connection, and the
/// checks sit deep inside the field loop, whose hot path then stays free of result plumbing.
/// </remarks>
internal sealed class HpackDecodingException : Exception
{
    public HpackDecodingException(HpackDecodingError reason)
        : base($"HPACK header block rejected: {reason}") => Reason = reason;

    /// <summary>The rule the block broke.</summary>
    public HpackDecodingError Reason { get; }

    /// <summary>
    /// True when the decoder's state no longer matches the peer's encoder, so the connection cannot
    /// go on (COMPRESSION_ERROR); false for <see cref="HpackDecodingError.HeaderListTooLarge"/>.
    /// </summary>
    public bool IsConnectionError => Reason != HpackDecodingError.HeaderListTooLarge;

    // Out of line so that callers stay small and inlinable; the message string is built only here.
    [DoesNotReturn, StackTraceHidden, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Throw(HpackDecodingError reason) => throw new HpackDecodingException(reason);
}
