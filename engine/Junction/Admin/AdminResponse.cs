using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Junction.Host.Admin;

/// <summary>What an admin handler answers: a status, a content type and a complete body.</summary>
internal sealed record AdminResponse(int Status, string ContentType, byte[] Body)
{
    public const string TextContentType = "text/plain; charset=UTF-8";
    public const string JsonContentType = "application/json";
    public const string HtmlContentType = "text/html; charset=UTF-8";

    /// <summary>The value of an <c>Allow</c> header (a 405 says which methods would do).</summary>
    public string? Allow { get; init; }

    /// <summary>Runs once the response has been handed to the connection (e.g. <c>/quitquitquit</c>'s shutdown).</summary>
    public Action? OnSent { get; init; }

    public static AdminResponse Text(int status, string text) => new(status, TextContentType, Encoding.UTF8.GetBytes(text));

    public static AdminResponse Ok(string text = "OK\n") => Text(200, text);

    /// <summary>A JSON body written by <paramref name="write"/>, indented as Envoy's admin output is.</summary>
    public static AdminResponse Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps '+', '<' and non-ASCII readable: the body is served as JSON with
        // nosniff, never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }
        buffer.WriteByte((byte)'\n');
        return new AdminResponse(200, JsonContentType, buffer.ToArray());
    }
}
