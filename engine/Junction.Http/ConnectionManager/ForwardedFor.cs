using System.Net;
using System.Text;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Finds the original client of a request in x-forwarded-for, as Envoy does: the addresses are read
/// from the right (the hop nearest this proxy) and <c>xff_num_trusted_hops</c> of them are trusted
/// proxies, so the client is the next one. With <c>use_remote_address</c> the connection's peer counts as
/// the rightmost entry (it is what this proxy appends), so with no trusted hops the client is the peer.
/// </summary>
internal static class ForwardedFor
{
    /// <summary>
    /// The client address, or null when the header has too few entries or the one at that position is
    /// not an IP address (then the connection's peer stays the client).
    /// </summary>
    public static IPAddress? FindClient(MessageHead request, int trustedHops, bool remoteAppended)
    {
        // The peer, when appended, is position 0 from the right; the header's own entries follow.
        var skip = remoteAppended ? trustedHops - 1 : trustedHops;
        if (skip < 0) return null;
        for (var i = request.FieldCount - 1; i >= 0; i--)
        {
            if (request.Field(i).Dropped || !Ascii.EqualsIgnoreCase(request.Name(i), "x-forwarded-for"u8)) continue;
            var value = request.Value(i);
            while (true)
            {
                var comma = value.LastIndexOf((byte)',');
                var entry = value[(comma + 1)..].Trim(" \t"u8);
                if (skip == 0) return TryParse(entry);
                skip--;
                if (comma < 0) break;
                value = value[..comma];
            }
        }
        return null;
    }

    private static IPAddress? TryParse(ReadOnlySpan<byte> entry)
    {
        Span<char> text = stackalloc char[64];
        if (entry.IsEmpty || entry.Length > text.Length) return null;
        var length = Encoding.ASCII.GetChars(entry, text);
        return IPAddress.TryParse(text[..length], out var address) ? address : null;
    }
}
