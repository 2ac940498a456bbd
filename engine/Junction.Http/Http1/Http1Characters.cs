using System.Buffers;

namespace Junction.Http.Http1;

/// <summary>The byte classes of RFC 9110/9112 the parser checks, as vectorised search sets.</summary>
internal static class Http1Characters
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTAB = (byte)'\t';
    public const byte Colon = (byte)':';

    /// <summary>RFC 9110 §5.6.2 tchar: what a method, a field name and a transfer coding are made of.</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// Control characters other than HTAB: never allowed in a field value, a reason phrase or a chunk
    /// extension (RFC 9110 §5.5: field-vchar, SP, HTAB and obs-text 0x80–0xFF are).
    /// </summary>
    public static readonly SearchValues<byte> ControlExceptTab = SearchValues.Create(Controls(allowTab: true, withSpace: false));

    /// <summary>Control characters and SP: never allowed in a request target.</summary>
    public static readonly SearchValues<byte> ControlOrSpace = SearchValues.Create(Controls(allowTab: false, withSpace: true));

    /// <summary>SP and HTAB (OWS/BWS), for trimming.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t"u8;

    /// <summary>The two bytes that can end a line.</summary>
    public static ReadOnlySpan<byte> LineEnds => "\r\n"u8;

    private static byte[] Controls(bool allowTab, bool withSpace)
    {
        var bytes = new List<byte>();
        for (var b = 0; b < 0x20; b++)
        {
            if (!(allowTab && b == HTAB)) bytes.Add((byte)b);
        }
        bytes.Add(0x7F);
        if (withSpace) bytes.Add(SP);
        return [.. bytes];
    }
}
