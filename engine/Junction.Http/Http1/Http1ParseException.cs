using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Junction.Http.Http1;

/// <summary>
/// Thrown by the HTTP/1 parser on a protocol violation. It ends the connection: the codec catches
/// it once per connection, answers with <see cref="Http1RejectReasonExtensions.ToStatusCode"/> (or
/// 502 for an upstream response), counts <see cref="Reason"/> and closes.
/// </summary>
/// <remarks>
/// Why an exception and not a result value: a violation is never an expected condition on a healthy
/// connection, it always ends the connection, and it can happen deep inside a header loop. Throwing
/// keeps every parse method's result a plain "complete / need more data" bool and the hot loop free
/// of result checks (Kestrel and Envoy's codecs do the same). Framing decisions, which the codec
/// acts on in several ways, are values instead (<see cref="Http1BodyFraming"/>).
/// </remarks>
internal sealed class Http1ParseException : Exception
{
    public Http1ParseException(Http1RejectReason reason)
        : base($"HTTP/1 message rejected: {reason}") => Reason = reason;

    /// <summary>The rule the peer broke.</summary>
    public Http1RejectReason Reason { get; }

    // Out of line so that callers stay small and inlinable; the message string is built only here.
    [DoesNotReturn, StackTraceHidden, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Throw(Http1RejectReason reason) => throw new Http1ParseException(reason);
}
