namespace Junction.Http.Http2;

/// <summary>
/// The frame types of RFC 9113 §6. The type is one byte on the wire; a value not listed here is an
/// extension frame, which a receiver must ignore (RFC 9113 §4.1, §5.5), so code that switches on a
/// type needs a default branch that skips the frame rather than failing.
/// </summary>
internal enum Http2FrameType : byte
{
    /// <summary>Request or response content (§6.1). Flow-controlled.</summary>
    Data = 0x0,
    /// <summary>Opens a stream and carries a field block fragment (§6.2).</summary>
    Headers = 0x1,
    /// <summary>The deprecated priority signal of RFC 7540 (§6.3); parsed for validity, otherwise ignored.</summary>
    Priority = 0x2,
    /// <summary>Ends one stream at once (§6.4).</summary>
    RstStream = 0x3,
    /// <summary>Connection parameters, or the acknowledgement of the peer's (§6.5).</summary>
    Settings = 0x4,
    /// <summary>Announces a server-initiated stream (§6.6). Junction never enables push.</summary>
    PushPromise = 0x5,
    /// <summary>Liveness and round-trip measurement; answered with the same opaque data (§6.7).</summary>
    Ping = 0x6,
    /// <summary>Starts the graceful or abrupt end of the connection (§6.8).</summary>
    GoAway = 0x7,
    /// <summary>Grants flow-control credit to the sender (§6.9).</summary>
    WindowUpdate = 0x8,
    /// <summary>Continues the field block of a HEADERS or PUSH_PROMISE frame (§6.10).</summary>
    Continuation = 0x9,
}
