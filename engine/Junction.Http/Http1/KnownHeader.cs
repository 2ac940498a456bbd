namespace Junction.Http.Http1;

/// <summary>
/// The header fields the HTTP/1 codec acts on itself (framing, connection management, hop-by-hop
/// handling). <see cref="KnownHeaders.Identify"/> maps a field name to one of these.
/// </summary>
internal enum KnownHeader : byte
{
    Unknown = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    ProxyConnection,
    TE,
    Upgrade,
    Expect,
    Trailer,
}
