namespace Junction.Http.Http2;

/// <summary>
/// The SETTINGS parameters of RFC 9113 §6.5.2. The identifier is 16 bits; an identifier not listed
/// here (an extension such as RFC 8441's ENABLE_CONNECT_PROTOCOL) must be ignored, so the enum holds
/// any value and <see cref="Http2Settings"/> skips unknown ones.
/// </summary>
internal enum Http2SettingsParameter : ushort
{
    /// <summary>The largest HPACK dynamic table the sender's decoder allows. Default 4096.</summary>
    HeaderTableSize = 0x1,
    /// <summary>0 or 1: whether the sender (a client) accepts server push. Default 1.</summary>
    EnablePush = 0x2,
    /// <summary>How many streams the sender allows its peer to open. Default unlimited.</summary>
    MaxConcurrentStreams = 0x3,
    /// <summary>The sender's initial stream-level receive window, at most 2^31-1. Default 65535.</summary>
    InitialWindowSize = 0x4,
    /// <summary>The largest frame payload the sender accepts, 2^14..2^24-1. Default 16384.</summary>
    MaxFrameSize = 0x5,
    /// <summary>Advisory limit on the uncompressed size of a field section the sender accepts. Default unlimited.</summary>
    MaxHeaderListSize = 0x6,
}
