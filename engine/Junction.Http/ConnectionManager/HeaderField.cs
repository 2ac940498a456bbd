using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

/// <summary>Where one header field's name and value sit in a <see cref="MessageHead"/>'s buffer.</summary>
internal struct HeaderField
{
    public int NameStart;
    public int NameLength;
    public int ValueStart;
    public int ValueLength;
    public KnownHeader Known;

    /// <summary>True when the field must not be forwarded (hop-by-hop, or named by Connection).</summary>
    public bool Dropped;
}
