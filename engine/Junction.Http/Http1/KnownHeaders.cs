using System.Text;

namespace Junction.Http.Http1;

/// <summary>Recognises the field names in <see cref="KnownHeader"/> without allocating.</summary>
internal static class KnownHeaders
{
    /// <summary>
    /// Identifies a field name (as the parser hands it over: no colon, no whitespace), ignoring ASCII
    /// case as RFC 9110 §5.1 requires. Returns <see cref="KnownHeader.Unknown"/> for any other name.
    /// </summary>
    public static KnownHeader Identify(ReadOnlySpan<byte> name)
    {
        // The length picks at most two candidates, so a name costs one or two vectorised compares.
        return name.Length switch
        {
            2 => Match(name, "te"u8, KnownHeader.TE),
            4 => Match(name, "host"u8, KnownHeader.Host),
            6 => Match(name, "expect"u8, KnownHeader.Expect),
            7 => (name[0] | 0x20) == 'u'
                ? Match(name, "upgrade"u8, KnownHeader.Upgrade)
                : Match(name, "trailer"u8, KnownHeader.Trailer),
            10 => (name[0] | 0x20) == 'c'
                ? Match(name, "connection"u8, KnownHeader.Connection)
                : Match(name, "keep-alive"u8, KnownHeader.KeepAlive),
            14 => Match(name, "content-length"u8, KnownHeader.ContentLength),
            16 => Match(name, "proxy-connection"u8, KnownHeader.ProxyConnection),
            17 => Match(name, "transfer-encoding"u8, KnownHeader.TransferEncoding),
            _ => KnownHeader.Unknown,
        };
    }

    private static KnownHeader Match(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase, KnownHeader header) =>
        Ascii.EqualsIgnoreCase(name, lowerCase) ? header : KnownHeader.Unknown;
}
