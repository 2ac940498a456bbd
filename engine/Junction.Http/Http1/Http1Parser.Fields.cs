using System.Buffers;
using System.Runtime.CompilerServices;
using static Junction.Http.Http1.Http1Characters;

namespace Junction.Http.Http1;

internal sealed partial class Http1Parser
{
    /// <summary>
    /// Parses field lines up to and including the empty line ending the section (RFC 9112 §5). Shared
    /// by header sections and chunked trailer sections, which follow the same rules under their own
    /// budget.
    /// </summary>
    /// <param name="sectionBytes">Bytes of field lines taken so far in this section (updated).</param>
    /// <param name="fieldCount">Field lines taken so far in this section (updated).</param>
    /// <returns>True when the empty line was consumed; false when the input ended first.</returns>
    internal static bool ParseFieldSection<TH>(
        ref SequenceReader<byte> reader, ref TH handler, ref int sectionBytes, ref int fieldCount, int maxBytes, int maxCount)
        where TH : struct, IHttp1HeadersHandler
    {
        while (reader.TryPeek(out var first))
        {
            if (first == CR)
            {
                if (!reader.TryPeek(1, out var second)) return false;
                if (second != LF) Http1ParseException.Throw(Http1RejectReason.BareCarriageReturn);
                reader.Advance(2);
                handler.OnHeadersComplete();
                return true;
            }
            if (first == LF) Http1ParseException.Throw(Http1RejectReason.BareLineFeed);
            // RFC 9112 §5.2: obs-fold must be rejected (or unfolded) outside message/http; a leading
            // space on the first line would make this proxy and the next hop disagree on the name.
            if (first is SP or HTAB) Http1ParseException.Throw(Http1RejectReason.ObsFold);

            if (!TryFindLine(ref reader, maxBytes - sectionBytes, Http1RejectReason.HeadersTooLarge, out var length))
            {
                return false;
            }
            if (++fieldCount > maxCount) Http1ParseException.Throw(Http1RejectReason.TooManyHeaders);

            var unread = reader.UnreadSpan;
            if (length <= unread.Length) ParseFieldLine(unread[..length], ref handler);
            else ParseSplitFieldLine(ref reader, length, ref handler);
            sectionBytes += length + 2;
            reader.Advance(length + 2);
        }
        return false;
    }

    private static void ParseFieldLine<TH>(ReadOnlySpan<byte> line, ref TH handler)
        where TH : struct, IHttp1HeadersHandler
    {
        var colon = line.IndexOf(Colon);
        if (colon <= 0)
        {
            Http1ParseException.Throw(colon == 0 ? Http1RejectReason.EmptyHeaderName : Http1RejectReason.MissingColon);
        }
        var name = line[..colon];
        var invalid = name.IndexOfAnyExcept(Token);
        if (invalid >= 0)
        {
            Http1ParseException.Throw(name[invalid] is SP or HTAB ? Http1RejectReason.WhitespaceInHeaderName : Http1RejectReason.InvalidHeaderName);
        }

        var value = line[(colon + 1)..];
        if (value.ContainsAny(ControlExceptTab)) Http1ParseException.Throw(Http1RejectReason.InvalidHeaderValue);
        handler.OnHeader(name, value.Trim(Whitespace));
    }

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static void ParseSplitFieldLine<TH>(ref SequenceReader<byte> reader, int length, ref TH handler)
        where TH : struct, IHttp1HeadersHandler
    {
        byte[]? rented = null;
        var line = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line = line[..length];
            reader.TryCopyTo(line);
            ParseFieldLine(line, ref handler);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
