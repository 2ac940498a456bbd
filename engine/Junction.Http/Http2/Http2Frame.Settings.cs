namespace Junction.Http.Http2;

internal readonly partial struct Http2Frame
{
    // SETTINGS Frame {
    //   ... Type (8) = 0x04, ACK flag, stream 0, Length = 6n (0 with ACK),
    //   Setting (48) ...,
    // }
    // Setting {
    //   Identifier (16),
    //   Value (32),
    // }

    /// <summary>The entries of a SETTINGS frame in order (none for an ACK), unknown identifiers included.</summary>
    /// <remarks>Usable with <c>foreach</c>; nothing is allocated.</remarks>
    public Http2SettingsEnumerator GetSettings() => new(Payload);
}
