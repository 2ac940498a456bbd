using System.Globalization;
using System.Text;

namespace Junction.Host.Admin;

/// <summary>Serialises an <see cref="AdminResponse"/> as an HTTP/1.1 message.</summary>
internal static class AdminResponseWriter
{
    /// <summary>The interim response that tells an <c>Expect: 100-continue</c> client to send its body.</summary>
    public static ReadOnlySpan<byte> Continue => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    /// <summary>
    /// The status line, header section and (unless <paramref name="headRequest"/>) body.
    /// <paramref name="connection"/> is the Connection field to send, if any (<c>close</c> when the
    /// server closes after this response; <c>keep-alive</c> for an HTTP/1.0 client that stays).
    /// </summary>
    public static byte[] Serialize(AdminResponse response, bool headRequest, string? connection)
    {
        var head = new StringBuilder(256);
        head.Append("HTTP/1.1 ").Append(response.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase(response.Status)).Append("\r\n");
        head.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        // HEAD gets the length the GET body would have (RFC 9110 §9.3.2).
        head.Append("Content-Length: ").Append(response.Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        // As Envoy's admin: never cached, never sniffed into HTML.
        head.Append("Cache-Control: no-cache, max-age=0\r\n");
        head.Append("X-Content-Type-Options: nosniff\r\n");
        if (response.Allow is { } allow) head.Append("Allow: ").Append(allow).Append("\r\n");
        if (connection is not null) head.Append("Connection: ").Append(connection).Append("\r\n");
        head.Append("\r\n");

        var headLength = Encoding.ASCII.GetByteCount(head.ToString());
        var bytes = new byte[headLength + (headRequest ? 0 : response.Body.Length)];
        Encoding.ASCII.GetBytes(head.ToString(), bytes);
        if (!headRequest) response.Body.CopyTo(bytes.AsSpan(headLength));
        return bytes;
    }

    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    };
}
