using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace Junction.Http.ConnectionManager;

/// <summary>Small writers for message heads: ASCII pieces straight into a buffer writer's memory.</summary>
internal static class BufferWriterExtensions
{
    public static void WriteAscii(this IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes) => writer.Write(bytes);

    public static void WriteNumber(this IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    public static void WriteHex(this IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(16);
        Utf8Formatter.TryFormat(value, span, out var written, new System.Buffers.StandardFormat('x'));
        writer.Advance(written);
    }

    /// <summary>Writes <c>name: value CRLF</c>.</summary>
    public static void WriteField(this IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        writer.Write(name);
        writer.Write(": "u8);
        writer.Write(value);
        writer.Write("\r\n"u8);
    }

    /// <summary>
    /// Writes body bytes: as one chunk (<c>size CRLF data CRLF</c>) when <paramref name="chunked"/>, as they
    /// are otherwise. Nothing for an empty piece (an empty chunk would end the body).
    /// </summary>
    public static void WriteBodyPiece(this IBufferWriter<byte> writer, in ReadOnlySequence<byte> data, bool chunked)
    {
        if (data.IsEmpty) return;
        if (chunked)
        {
            writer.WriteHex(data.Length);
            writer.Write("\r\n"u8);
        }
        writer.WriteSequence(data);
        if (chunked) writer.Write("\r\n"u8);
    }

    /// <summary>Copies every segment of <paramref name="data"/>.</summary>
    public static void WriteSequence(this IBufferWriter<byte> writer, in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data) writer.Write(segment.Span);
    }
}
