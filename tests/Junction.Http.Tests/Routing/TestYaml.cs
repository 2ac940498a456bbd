using System.Globalization;
using System.Text;
using Junction.Configuration;

namespace Junction.Http.Tests.Routing;

/// <summary>
/// Reads the block-style YAML these tests write into <see cref="ConfigNode"/> trees with the same
/// paths and marks as Junction.Core's loader (which this project does not reference): block
/// mappings and sequences, one-line flow collections, plain and quoted scalars, comments. Anchors,
/// block scalars and multi-line flow collections are not supported; the reader throws on what it
/// cannot read, which fails the test that wrote it.
/// </summary>
internal sealed class TestYaml
{
    public const string FileName = "test.yaml";

    private readonly List<Line> _lines = [];
    private readonly ConfigDiagnostics _diagnostics;
    private int _index;

    private TestYaml(string text, ConfigDiagnostics diagnostics)
    {
        _diagnostics = diagnostics;
        var raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < raw.Length; i++)
        {
            var content = StripComment(raw[i]).TrimEnd();
            var indent = content.Length - content.TrimStart(' ').Length;
            if (content.Trim().Length == 0) continue;
            _lines.Add(new Line(i + 1, indent, content));
        }
    }

    /// <summary>Parses <paramref name="text"/>; the root must be a mapping.</summary>
    public static ConfigMap Load(string text, ConfigDiagnostics diagnostics)
    {
        var reader = new TestYaml(text, diagnostics);
        var root = reader.ReadBlock(reader._lines[0].Indent, "");
        if (reader._index != reader._lines.Count) throw new FormatException($"unexpected content at line {reader._lines[reader._index].Number}");
        return (ConfigMap)root;
    }

    private ConfigNode ReadBlock(int indent, string path)
    {
        var line = _lines[_index];
        if (line.Indent != indent) throw new FormatException($"line {line.Number}: expected indentation {indent}");
        return IsSequenceItem(line) ? ReadSequence(indent, path) : ReadMapping(indent, path);
    }

    private ConfigSequence ReadSequence(int indent, string path)
    {
        var items = new List<ConfigNode>();
        var first = _lines[_index];
        var sequence = new ConfigSequence(path, Mark(first.Number, indent), _diagnostics, items);
        while (_index < _lines.Count && _lines[_index].Indent == indent && IsSequenceItem(_lines[_index]))
        {
            var line = _lines[_index];
            var itemPath = sequence.ChildPath(items.Count);
            var rest = line.Text[(indent + 1)..];
            var restStart = indent + 1 + (rest.Length - rest.TrimStart(' ').Length);
            if (rest.Trim().Length == 0)
            {
                _index++;
                items.Add(_index < _lines.Count && _lines[_index].Indent > indent
                    ? ReadBlock(_lines[_index].Indent, itemPath)
                    : new ConfigScalar(itemPath, Mark(line.Number, indent + 2), _diagnostics, "", false));
            }
            else if (StartsMappingEntry(line.Text, restStart) || line.Text[restStart] == '-')
            {
                // "- key: value": the item is a block mapping (or sequence) starting at the key's column.
                _lines[_index] = line with { Indent = restStart, Text = new string(' ', restStart) + line.Text[restStart..] };
                items.Add(ReadBlock(restStart, itemPath));
            }
            else
            {
                items.Add(ReadInlineValue(line, restStart, itemPath));
                _index++;
            }
        }
        return sequence;
    }

    private ConfigMap ReadMapping(int indent, string path)
    {
        var entries = new List<KeyValuePair<ConfigScalar, ConfigNode>>();
        var first = _lines[_index];
        var map = new ConfigMap(path, Mark(first.Number, indent), _diagnostics, entries);
        while (_index < _lines.Count && _lines[_index].Indent == indent && !IsSequenceItem(_lines[_index]))
        {
            var line = _lines[_index];
            var position = indent;
            var keyQuoted = line.Text[position] is '"' or '\'';
            var keyText = ReadKey(line.Text, ref position);
            if (position >= line.Text.Length || line.Text[position] != ':') throw new FormatException($"line {line.Number}: expected ':'");
            var colon = position;
            var childPath = map.ChildPath(keyText);
            var key = new ConfigScalar(childPath, Mark(line.Number, indent), _diagnostics, keyText, keyQuoted);
            if (entries.Any(e => e.Key.Value == keyText)) throw new FormatException($"line {line.Number}: duplicate key '{keyText}'");

            var valueStart = colon + 1;
            while (valueStart < line.Text.Length && line.Text[valueStart] == ' ') valueStart++;
            ConfigNode value;
            if (valueStart >= line.Text.Length)
            {
                _index++;
                if (_index < _lines.Count && (_lines[_index].Indent > indent || (_lines[_index].Indent == indent && IsSequenceItem(_lines[_index]))))
                {
                    value = ReadBlock(_lines[_index].Indent, childPath);
                }
                else
                {
                    value = new ConfigScalar(childPath, Mark(line.Number, colon + 2), _diagnostics, "", false);
                }
            }
            else
            {
                value = ReadInlineValue(line, valueStart, childPath);
                _index++;
            }
            entries.Add(new(key, value));
        }
        return map;
    }

    private ConfigNode ReadInlineValue(Line line, int start, string path)
    {
        var c = line.Text[start];
        if (c is '{' or '[')
        {
            var position = start;
            var node = ReadFlow(line, ref position, path);
            if (line.Text[position..].Trim().Length != 0) throw new FormatException($"line {line.Number}: content after a flow collection");
            return node;
        }
        if (c is '"' or '\'')
        {
            var position = start;
            var text = ReadQuoted(line.Text, ref position);
            return new ConfigScalar(path, Mark(line.Number, start), _diagnostics, text, true);
        }
        return new ConfigScalar(path, Mark(line.Number, start), _diagnostics, line.Text[start..].Trim(), false);
    }

    private ConfigNode ReadFlow(Line line, ref int position, string path)
    {
        var text = line.Text;
        SkipSpaces(text, ref position);
        var start = position;
        switch (text[position])
        {
            case '{':
            {
                var entries = new List<KeyValuePair<ConfigScalar, ConfigNode>>();
                var map = new ConfigMap(path, Mark(line.Number, start), _diagnostics, entries);
                position++;
                while (true)
                {
                    SkipSpaces(text, ref position);
                    if (text[position] == '}') { position++; return map; }
                    var keyStart = position;
                    var keyQuoted = text[position] is '"' or '\'';
                    var keyText = ReadKey(text, ref position, flow: true);
                    SkipSpaces(text, ref position);
                    if (text[position] != ':') throw new FormatException($"line {line.Number}: expected ':' in a flow mapping");
                    position++;
                    var childPath = map.ChildPath(keyText);
                    var key = new ConfigScalar(childPath, Mark(line.Number, keyStart), _diagnostics, keyText, keyQuoted);
                    entries.Add(new(key, ReadFlow(line, ref position, childPath)));
                    SkipSpaces(text, ref position);
                    if (text[position] == ',') position++;
                }
            }
            case '[':
            {
                var items = new List<ConfigNode>();
                var sequence = new ConfigSequence(path, Mark(line.Number, start), _diagnostics, items);
                position++;
                while (true)
                {
                    SkipSpaces(text, ref position);
                    if (text[position] == ']') { position++; return sequence; }
                    items.Add(ReadFlow(line, ref position, sequence.ChildPath(items.Count)));
                    SkipSpaces(text, ref position);
                    if (text[position] == ',') position++;
                }
            }
            case '"' or '\'':
                return new ConfigScalar(path, Mark(line.Number, start), _diagnostics, ReadQuoted(text, ref position), true);
            default:
                while (position < text.Length && text[position] is not (',' or '}' or ']')) position++;
                return new ConfigScalar(path, Mark(line.Number, start), _diagnostics, text[start..position].Trim(), false);
        }
    }

    private static string ReadKey(string text, ref int position, bool flow = false)
    {
        if (text[position] is '"' or '\'') return ReadQuoted(text, ref position);
        var start = position;
        while (position < text.Length && !(text[position] == ':' && (position + 1 == text.Length || text[position + 1] == ' ' || (flow && text[position + 1] is ',' or '}'))))
        {
            position++;
        }
        return text[start..position].Trim();
    }

    private static string ReadQuoted(string text, ref int position)
    {
        var quote = text[position++];
        var builder = new StringBuilder();
        while (true)
        {
            if (position >= text.Length) throw new FormatException("unterminated quoted scalar");
            var c = text[position++];
            if (c == quote)
            {
                if (quote == '\'' && position < text.Length && text[position] == '\'')
                {
                    builder.Append('\'');
                    position++;
                    continue;
                }
                return builder.ToString();
            }
            if (c == '\\' && quote == '"')
            {
                var escape = text[position++];
                switch (escape)
                {
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case '0': builder.Append('\0'); break;
                    case 'x':
                        builder.Append((char)int.Parse(text.AsSpan(position, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        position += 2;
                        break;
                    case 'u':
                        builder.Append((char)int.Parse(text.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        position += 4;
                        break;
                    default: builder.Append(escape); break;
                }
                continue;
            }
            builder.Append(c);
        }
    }

    private static bool StartsMappingEntry(string text, int position)
    {
        if (text[position] is '{' or '[' or '-') return false;
        if (text[position] is '"' or '\'')
        {
            var end = position;
            ReadQuoted(text, ref end);
            return end < text.Length && text[end] == ':';
        }
        for (var i = position; i < text.Length; i++)
        {
            if (text[i] == ':' && (i + 1 == text.Length || text[i + 1] == ' ')) return true;
        }
        return false;
    }

    private static bool IsSequenceItem(Line line) =>
        line.Text[line.Indent] == '-' && (line.Text.Length == line.Indent + 1 || line.Text[line.Indent + 1] == ' ');

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] == ' ') position++;
    }

    private static string StripComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == '\\' && quote == '"') i++;
                else if (c == quote) quote = null;
            }
            else if (c is '"' or '\'' && (i == 0 || line[i - 1] is ' ' or '[' or '{' or ',' or ':'))
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || line[i - 1] == ' '))
            {
                return line[..i];
            }
        }
        return line;
    }

    private static ConfigMark Mark(int line, int zeroBasedColumn) => new(FileName, line, zeroBasedColumn + 1);

    private readonly record struct Line(int Number, int Indent, string Text);
}
