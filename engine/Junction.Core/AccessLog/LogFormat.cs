using System.Text;
using System.Text.Json;
using Junction.AccessLog;

namespace Junction.Core.AccessLog;

/// <summary>A compiled access log format that renders one line per entry.</summary>
internal abstract class LogFormat
{
    /// <summary>Renders <paramref name="info"/> as one complete line, newline included.</summary>
    public abstract string Render(StreamInfo info);
}

/// <summary>Envoy's <c>text_format</c>: operators interpolated into text. A newline is added when missing.</summary>
internal sealed class TextLogFormat(IReadOnlyList<LogSegment> segments) : LogFormat
{
    public override string Render(StreamInfo info)
    {
        var output = new StringBuilder(256);
        LogFormatter.Append(output, segments, info);
        if (output.Length == 0 || output[^1] != '\n') output.Append('\n');
        return output.ToString();
    }
}

/// <summary>
/// Envoy's <c>json_format</c>: one JSON object per line. A value that is exactly one numeric operator is
/// written as a number, an unknown single operator as null; anything else as a string.
/// </summary>
internal sealed class JsonLogFormat(IReadOnlyList<JsonLogFormat.Field> fields) : LogFormat
{
    /// <summary>A key and either a format (string value) or nested fields (object value).</summary>
    internal sealed record Field(string Key, IReadOnlyList<LogSegment>? Format, IReadOnlyList<Field>? Nested);

    public override string Render(StreamInfo info)
    {
        using var stream = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteObject(writer, fields, info);
        }
        stream.WriteByte((byte)'\n');
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static void WriteObject(Utf8JsonWriter writer, IReadOnlyList<Field> fields, StreamInfo info)
    {
        writer.WriteStartObject();
        var text = new StringBuilder();
        foreach (var field in fields)
        {
            writer.WritePropertyName(field.Key);
            if (field.Nested is not null)
            {
                WriteObject(writer, field.Nested, info);
                continue;
            }
            var format = field.Format!;
            text.Clear();
            if (format.Count == 1 && format[0].Operator != LogOperator.Literal)
            {
                if (!LogFormatter.TryAppend(text, format[0], info)) writer.WriteNullValue();
                else if (format[0].IsNumeric && long.TryParse(text.ToString(), out var number)) writer.WriteNumberValue(number);
                else writer.WriteStringValue(text.ToString());
                continue;
            }
            LogFormatter.Append(text, format, info);
            writer.WriteStringValue(text.ToString());
        }
        writer.WriteEndObject();
    }
}
