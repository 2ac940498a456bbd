namespace Junction.Http.Http2;

/// <summary>
/// The six SETTINGS values of one endpoint (RFC 9113 §6.5.2), starting at the RFC defaults. A
/// connection keeps two: the peer's, updated from each SETTINGS frame it receives, and its own,
/// which it announces and which take effect when the peer acknowledges them.
/// </summary>
internal sealed class Http2Settings
{
    /// <summary>The value of a limit the peer did not set ("unlimited" in the RFC).</summary>
    public const uint Unlimited = uint.MaxValue;

    public const uint DefaultHeaderTableSize = 4096;
    public const int DefaultInitialWindowSize = 65_535;
    public const int DefaultMaxFrameSize = 16_384;

    /// <summary>The largest flow-control window, 2^31-1 (RFC 9113 §6.9.1).</summary>
    public const int MaxWindowSize = int.MaxValue;

    /// <summary>The smallest value SETTINGS_MAX_FRAME_SIZE may take; also its default.</summary>
    public const int MinMaxFrameSize = DefaultMaxFrameSize;

    private int _initialWindowSize = DefaultInitialWindowSize;
    private int _maxFrameSize = DefaultMaxFrameSize;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE: the largest HPACK dynamic table this endpoint's decoder allows.</summary>
    public uint HeaderTableSize { get; set; } = DefaultHeaderTableSize;

    /// <summary>SETTINGS_ENABLE_PUSH: whether this endpoint (a client) accepts PUSH_PROMISE.</summary>
    public bool EnablePush { get; set; } = true;

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS; <see cref="Unlimited"/> until set.</summary>
    public uint MaxConcurrentStreams { get; set; } = Unlimited;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: the starting receive window of every stream, 0..2^31-1.</summary>
    /// <remarks>
    /// A change applies to every open stream's window too (RFC 9113 §6.9.2): read the old value
    /// before applying a SETTINGS frame and adjust each stream by the difference
    /// (<see cref="Http2FlowWindow.TryAdjust"/>). The connection window is not affected.
    /// </remarks>
    public int InitialWindowSize
    {
        get => _initialWindowSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _initialWindowSize = value;
        }
    }

    /// <summary>SETTINGS_MAX_FRAME_SIZE: the largest frame payload this endpoint accepts, 2^14..2^24-1.</summary>
    public int MaxFrameSize
    {
        get => _maxFrameSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinMaxFrameSize);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Http2FrameHeader.MaxLength);
            _maxFrameSize = value;
        }
    }

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE (advisory); <see cref="Unlimited"/> until set.</summary>
    public uint MaxHeaderListSize { get; set; } = Unlimited;

    /// <summary>Applies the entries of a SETTINGS frame in order (RFC 9113 §6.5.3), skipping unknown identifiers.</summary>
    /// <returns>
    /// False, with a connection error, at the first invalid value; entries before it have been
    /// applied, which does not matter since the connection is ending.
    /// </returns>
    public bool TryApply(in Http2Frame settingsFrame, out Http2Error error)
    {
        foreach (var entry in settingsFrame.GetSettings())
        {
            if (!TryApply(entry, out error)) return false;
        }
        error = default;
        return true;
    }

    /// <summary>Applies one entry; an unknown identifier is ignored (RFC 9113 §6.5.2).</summary>
    /// <returns>False, with a connection error, when the value is out of range for its parameter.</returns>
    public bool TryApply(Http2SettingsEntry entry, out Http2Error error)
    {
        if (!Validate(entry, out error)) return false;
        switch (entry.Parameter)
        {
            case Http2SettingsParameter.HeaderTableSize: HeaderTableSize = entry.Value; break;
            case Http2SettingsParameter.EnablePush: EnablePush = entry.Value == 1; break;
            case Http2SettingsParameter.MaxConcurrentStreams: MaxConcurrentStreams = entry.Value; break;
            case Http2SettingsParameter.InitialWindowSize: _initialWindowSize = (int)entry.Value; break;
            case Http2SettingsParameter.MaxFrameSize: _maxFrameSize = (int)entry.Value; break;
            case Http2SettingsParameter.MaxHeaderListSize: MaxHeaderListSize = entry.Value; break;
            default: break;
        }
        return true;
    }

    /// <summary>
    /// Checks a value against the range of its parameter (RFC 9113 §6.5.2). Every violation is a
    /// connection error. Shared by <see cref="Http2FrameReader"/>, which rejects a bad SETTINGS frame
    /// as it reads it, and <see cref="TryApply(Http2SettingsEntry, out Http2Error)"/>.
    /// </summary>
    public static bool Validate(Http2SettingsEntry entry, out Http2Error error)
    {
        switch (entry.Parameter)
        {
            case Http2SettingsParameter.EnablePush when entry.Value > 1:
                error = Http2Error.Connection(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH is not 0 or 1");
                return false;
            case Http2SettingsParameter.InitialWindowSize when entry.Value > MaxWindowSize:
                error = Http2Error.Connection(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
                return false;
            case Http2SettingsParameter.MaxFrameSize when entry.Value is < MinMaxFrameSize or > Http2FrameHeader.MaxLength:
                error = Http2Error.Connection(Http2ErrorCode.ProtocolError, "SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1");
                return false;
            default:
                error = default;
                return true;
        }
    }
}
