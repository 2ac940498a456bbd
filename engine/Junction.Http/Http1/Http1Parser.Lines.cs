using System.Buffers;
using System.Runtime.CompilerServices;
using static Junction.Http.Http1.Http1Characters;

namespace Junction.Http.Http1;

internal sealed partial class Http1Parser
{
    // Lines up to this size that cross a segment boundary are copied to the stack; longer ones to a
    // pooled array. Most field lines are shorter; long cookies and user agents take the pool.
    private const int StackLineBytes = 1024;

    /// <summary>
    /// Finds the end of the line at the reader without moving it. A line ends at its first CR or LF,
    /// which must be a CR followed by LF.
    /// </summary>
    /// <param name="maxLineBytes">Most bytes the line may take, CRLF included.</param>
    /// <param name="tooLong">The reason to reject with when the line is, or is sure to become, longer.</param>
    /// <param name="length">The line's length without CRLF; the line and its CRLF are in the input.</param>
    /// <returns>False when the input ends before the line does.</returns>
    /// <remarks>
    /// The limit is checked the same way whether the line is complete or not (a line without its end
    /// is too long once even a CRLF right after the input could not bring it within the limit), so
    /// the outcome never depends on how the input was split.
    /// </remarks>
    internal static bool TryFindLine(ref SequenceReader<byte> reader, int maxLineBytes, Http1RejectReason tooLong, out int length)
    {
        var span = reader.UnreadSpan;
        var end = span.IndexOfAny(CR, LF);
        if (end < 0)
        {
            return TryFindSplitLine(ref reader, maxLineBytes, tooLong, out length);
        }

        if (end + 2L > maxLineBytes) Http1ParseException.Throw(tooLong);
        if (span[end] == LF) Http1ParseException.Throw(Http1RejectReason.BareLineFeed);
        byte next;
        if (end + 1 < span.Length)
        {
            next = span[end + 1];
        }
        else if (!reader.TryPeek(end + 1, out next))
        {
            length = 0;
            return false;
        }
        if (next != LF) Http1ParseException.Throw(Http1RejectReason.BareCarriageReturn);
        length = end;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryFindSplitLine(ref SequenceReader<byte> reader, int maxLineBytes, Http1RejectReason tooLong, out int length)
    {
        length = 0;
        var scan = reader;
        if (!scan.TryAdvanceToAny(LineEnds, advancePastDelimiter: false))
        {
            if (reader.Remaining + 2 > maxLineBytes) Http1ParseException.Throw(tooLong);
            return false;
        }

        var end = scan.Consumed - reader.Consumed;
        if (end + 2 > maxLineBytes) Http1ParseException.Throw(tooLong);
        scan.TryPeek(out var first);
        if (first == LF) Http1ParseException.Throw(Http1RejectReason.BareLineFeed);
        if (!scan.TryPeek(1, out var next)) return false;
        if (next != LF) Http1ParseException.Throw(Http1RejectReason.BareCarriageReturn);
        length = (int)end;
        return true;
    }
}
