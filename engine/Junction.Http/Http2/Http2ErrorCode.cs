namespace Junction.Http.Http2;

/// <summary>
/// The error codes of RFC 9113 §7, carried by RST_STREAM and GOAWAY. The field is 32 bits; a code
/// not listed here must not trigger special behaviour and is treated as <see cref="InternalError"/>
/// by whoever interprets it, but it is kept as received (the enum can hold any value).
/// </summary>
internal enum Http2ErrorCode : uint
{
    /// <summary>Not an error: a graceful GOAWAY, or a stream closed early because its response is complete.</summary>
    NoError = 0x0,
    /// <summary>The peer broke a rule of the protocol for which no more specific code exists.</summary>
    ProtocolError = 0x1,
    /// <summary>An unexpected internal failure of the endpoint.</summary>
    InternalError = 0x2,
    /// <summary>The peer broke flow control: it sent more than the window, or grew a window past 2^31-1.</summary>
    FlowControlError = 0x3,
    /// <summary>A SETTINGS frame was not acknowledged in time.</summary>
    SettingsTimeout = 0x4,
    /// <summary>A frame arrived on a stream after it was half-closed by the sender.</summary>
    StreamClosed = 0x5,
    /// <summary>A frame has a length that is invalid for its type, or exceeds SETTINGS_MAX_FRAME_SIZE.</summary>
    FrameSizeError = 0x6,
    /// <summary>The stream was refused before any application processing: safe to retry elsewhere.</summary>
    RefusedStream = 0x7,
    /// <summary>The stream is no longer needed.</summary>
    Cancel = 0x8,
    /// <summary>The HPACK decoder state can no longer be kept in sync with the peer's encoder.</summary>
    CompressionError = 0x9,
    /// <summary>A CONNECT tunnel's TCP connection was reset or failed.</summary>
    ConnectError = 0xa,
    /// <summary>The peer generates excessive load.</summary>
    EnhanceYourCalm = 0xb,
    /// <summary>The transport does not meet the minimum security requirements (RFC 9113 §9.2).</summary>
    InadequateSecurity = 0xc,
    /// <summary>HTTP/1.1 must be used for this request.</summary>
    Http11Required = 0xd,
}
