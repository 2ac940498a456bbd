namespace Junction.Http.Http2;

/// <summary>One setting of a SETTINGS frame: an identifier (possibly unknown) and its 32-bit value.</summary>
internal readonly record struct Http2SettingsEntry(Http2SettingsParameter Parameter, uint Value);
