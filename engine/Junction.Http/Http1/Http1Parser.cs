using System.Buffers;
using System.Runtime.CompilerServices;
using static Junction.Http.Http1.Http1Characters;

namespace Junction.Http.Http1;

/// <summary>
/// Parses HTTP/1.1 start lines and header sections (RFC 9112) from a <see cref="SequenceReader{T}"/>
/// and hands the parts to a handler as spans of the input. One instance per connection: it holds
/// the byte and line counts of the header section being read, so a section may arrive in any
/// number of pieces.
/// </summary>
/// <remarks>
/// <para>Every method returns false when the input ends before the line (or section) it needs is
/// complete. It then leaves the reader after the last complete line it handled and never inside a
/// line, so the caller advances its pipe to <see cref="SequenceReader{T}.Position"/>, marks the
/// whole buffer examined, and calls again with more bytes. Lines already reported are not reported
/// again.</para>
/// <para>A protocol violation throws <see cref="Http1ParseException"/> (see there why), which ends
/// the connection. Limits are checked on incomplete input too: a line that cannot end within its
/// limit is rejected as soon as that is certain, so no peer makes a connection buffer more than the
/// limit.</para>
/// <para>Handlers are generic struct parameters passed by reference: the JIT compiles one copy of
/// the parser per handler type, the calls are direct (inlinable) and nothing is boxed.</para>
/// </remarks>
internal sealed partial class Http1Parser
{
    private readonly Http1ParserLimits _limits;

    // The header section being read: bytes and field lines taken so far. Reset when a section ends;
    // an instance is dropped with its connection after a rejection.
    private int _headerBytes;
    private int _headerCount;

    public Http1Parser(Http1ParserLimits limits) => _limits = limits;

    public Http1ParserLimits Limits => _limits;

    /// <summary>
    /// Parses a request line (<c>method SP request-target SP HTTP-version CRLF</c>), after skipping
    /// empty lines that precede it (RFC 9112 §2.2 asks servers to ignore at least one, as some
    /// clients send CRLF after a POST body).
    /// </summary>
    /// <returns>True when the line was consumed and reported; false when it is not complete yet.</returns>
    public bool ParseRequestLine<TH>(ref SequenceReader<byte> reader, ref TH handler)
        where TH : struct, IHttp1RequestLineHandler
    {
        while (reader.TryPeek(out var first) && first == CR)
        {
            if (!reader.TryPeek(1, out var second)) return false;
            if (second != LF) Http1ParseException.Throw(Http1RejectReason.BareCarriageReturn);
            reader.Advance(2);
        }

        if (!TryFindLine(ref reader, _limits.MaxStartLineBytes, Http1RejectReason.RequestLineTooLong, out var length))
        {
            return false;
        }

        var unread = reader.UnreadSpan;
        if (length <= unread.Length) ParseRequestLine(unread[..length], ref handler);
        else ParseSplitRequestLine(ref reader, length, ref handler);
        reader.Advance(length + 2);
        return true;
    }

    /// <summary>Parses the status line of a response (<c>HTTP-version SP 3DIGIT SP reason CRLF</c>).</summary>
    /// <remarks>
    /// A status line that ends right after the code (<c>HTTP/1.1 200</c>, no SP, empty reason) is
    /// accepted: RFC 9112 §4 requires the SP, but some servers omit it, nginx and Envoy accept it,
    /// and it cannot be confused with anything else.
    /// </remarks>
    /// <returns>True when the line was consumed and reported; false when it is not complete yet.</returns>
    public bool ParseStatusLine<TH>(ref SequenceReader<byte> reader, ref TH handler)
        where TH : struct, IHttp1StatusLineHandler
    {
        if (!TryFindLine(ref reader, _limits.MaxStartLineBytes, Http1RejectReason.StatusLineTooLong, out var length))
        {
            return false;
        }

        var unread = reader.UnreadSpan;
        if (length <= unread.Length) ParseStatusLine(unread[..length], ref handler);
        else ParseSplitStatusLine(ref reader, length, ref handler);
        reader.Advance(length + 2);
        return true;
    }

    /// <summary>
    /// Parses field lines up to and including the empty line that ends the header section,
    /// reporting each line as soon as it is complete.
    /// </summary>
    /// <returns>
    /// True when the empty line was consumed (<see cref="IHttp1HeadersHandler.OnHeadersComplete"/>
    /// has been called and the parser is ready for the next message); false when the section is not
    /// complete yet (the complete lines before the incomplete one were consumed and reported).
    /// </returns>
    public bool ParseHeaders<TH>(ref SequenceReader<byte> reader, ref TH handler)
        where TH : struct, IHttp1HeadersHandler
    {
        if (!ParseFieldSection(ref reader, ref handler, ref _headerBytes, ref _headerCount, _limits.MaxHeaderBytes, _limits.MaxHeaderCount))
        {
            return false;
        }
        _headerBytes = 0;
        _headerCount = 0;
        return true;
    }

    private static void ParseRequestLine<TH>(ReadOnlySpan<byte> line, ref TH handler)
        where TH : struct, IHttp1RequestLineHandler
    {
        var firstSpace = line.IndexOf(SP);
        if (firstSpace <= 0)
        {
            Http1ParseException.Throw(firstSpace == 0 ? Http1RejectReason.InvalidMethod : Http1RejectReason.InvalidRequestLine);
        }
        var method = line[..firstSpace];
        if (method.ContainsAnyExcept(Token)) Http1ParseException.Throw(Http1RejectReason.InvalidMethod);

        var lastSpace = line.LastIndexOf(SP);
        if (lastSpace == firstSpace || lastSpace == line.Length - 1)
        {
            Http1ParseException.Throw(Http1RejectReason.InvalidRequestLine);
        }
        var target = line[(firstSpace + 1)..lastSpace];
        if (target.IsEmpty) Http1ParseException.Throw(Http1RejectReason.InvalidRequestTarget);
        // A space at either end of the middle part is a doubled separator, not part of the target.
        if (target[0] == SP || target[^1] == SP) Http1ParseException.Throw(Http1RejectReason.InvalidRequestLine);
        if (target.ContainsAny(ControlOrSpace)) Http1ParseException.Throw(Http1RejectReason.InvalidRequestTarget);

        var version = ParseRequestVersion(line[(lastSpace + 1)..], method, target);
        handler.OnRequestLine(IdentifyMethod(method), method, target, version);
    }

    private static Http1Version ParseRequestVersion(ReadOnlySpan<byte> version, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target)
    {
        if (version.SequenceEqual("HTTP/1.1"u8)) return Http1Version.Http11;
        if (version.SequenceEqual("HTTP/1.0"u8)) return Http1Version.Http10;
        var preface = version.SequenceEqual("HTTP/2.0"u8) && method.SequenceEqual("PRI"u8) && target.SequenceEqual("*"u8);
        Http1ParseException.Throw(preface ? Http1RejectReason.Http2Preface : Http1RejectReason.InvalidVersion);
        return default;
    }

    internal static Http1Method IdentifyMethod(ReadOnlySpan<byte> method) => method.Length switch
    {
        // Methods are case-sensitive (RFC 9110 §9.1): "get" is a custom method.
        3 when method.SequenceEqual("GET"u8) => Http1Method.Get,
        3 when method.SequenceEqual("PUT"u8) => Http1Method.Put,
        4 when method.SequenceEqual("POST"u8) => Http1Method.Post,
        4 when method.SequenceEqual("HEAD"u8) => Http1Method.Head,
        5 when method.SequenceEqual("PATCH"u8) => Http1Method.Patch,
        5 when method.SequenceEqual("TRACE"u8) => Http1Method.Trace,
        6 when method.SequenceEqual("DELETE"u8) => Http1Method.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => Http1Method.Options,
        7 when method.SequenceEqual("CONNECT"u8) => Http1Method.Connect,
        _ => Http1Method.Custom,
    };

    private static void ParseStatusLine<TH>(ReadOnlySpan<byte> line, ref TH handler)
        where TH : struct, IHttp1StatusLineHandler
    {
        var version = ParseStatusVersion(line);
        if (line.Length < 12 || line[8] != SP) Http1ParseException.Throw(Http1RejectReason.InvalidStatusLine);

        var statusCode = 0;
        for (var i = 9; i < 12; i++)
        {
            var digit = line[i] - '0';
            if ((uint)digit > 9) Http1ParseException.Throw(Http1RejectReason.InvalidStatusCode);
            statusCode = (statusCode * 10) + digit;
        }
        if (statusCode is < 100 or > 599) Http1ParseException.Throw(Http1RejectReason.InvalidStatusCode);

        var reason = ReadOnlySpan<byte>.Empty;
        if (line.Length > 12)
        {
            if (line[12] != SP)
            {
                Http1ParseException.Throw((uint)(line[12] - '0') <= 9 ? Http1RejectReason.InvalidStatusCode : Http1RejectReason.InvalidStatusLine);
            }
            reason = line[13..];
            if (reason.ContainsAny(ControlExceptTab)) Http1ParseException.Throw(Http1RejectReason.InvalidStatusLine);
        }
        handler.OnStatusLine(version, statusCode, reason);
    }

    private static Http1Version ParseStatusVersion(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("HTTP/1.1"u8)) return Http1Version.Http11;
        if (line.StartsWith("HTTP/1.0"u8)) return Http1Version.Http10;
        Http1ParseException.Throw(line.StartsWith("HTTP/"u8) ? Http1RejectReason.InvalidVersion : Http1RejectReason.InvalidStatusLine);
        return default;
    }

    // The split-line paths run once per segment boundary at most (pipes hand out 16 KiB blocks), so
    // they copy the line and reuse the single-span code.

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static void ParseSplitRequestLine<TH>(ref SequenceReader<byte> reader, int length, ref TH handler)
        where TH : struct, IHttp1RequestLineHandler
    {
        byte[]? rented = null;
        var line = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line = line[..length];
            reader.TryCopyTo(line);
            ParseRequestLine(line, ref handler);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static void ParseSplitStatusLine<TH>(ref SequenceReader<byte> reader, int length, ref TH handler)
        where TH : struct, IHttp1StatusLineHandler
    {
        byte[]? rented = null;
        var line = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line = line[..length];
            reader.TryCopyTo(line);
            ParseStatusLine(line, ref handler);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
