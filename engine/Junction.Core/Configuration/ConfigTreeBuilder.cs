using Junction.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Junction.Core.Configuration;

/// <summary>
/// Builds the <see cref="ConfigNode"/> tree straight from YamlDotNet's parser events. The event level is
/// used instead of <c>YamlStream</c> because <c>YamlStream</c> throws at the first duplicate key, and
/// because an alias must become a copy carrying the path where it is used, not the path of its anchor.
/// </summary>
/// <remarks>
/// Malformed YAML surfaces as a <see cref="YamlException"/> (or, for a few inputs, YamlDotNet's own
/// <see cref="InvalidOperationException"/>); <see cref="ConfigLoader"/> turns both into one error.
/// </remarks>
internal sealed class ConfigTreeBuilder
{
    // Aliases can make a tiny file expand exponentially ("billion laughs"). Real bootstrap files are
    // orders of magnitude below this, so hitting it means a mistake or an attack, not a big deployment.
    private const int MaxNodes = 1_000_000;

    // The builder recurses once per nesting level; this keeps hostile input from overflowing the stack.
    private const int MaxDepth = 256;

    private const string StringTag = "tag:yaml.org,2002:str";

    private readonly IParser _parser;
    private readonly string _file;
    private readonly ConfigDiagnostics _diagnostics;
    private readonly Dictionary<string, ConfigNode> _anchors = new(StringComparer.Ordinal);
    private int _nodeCount;

    /// <summary>Creates a builder that reads events from <paramref name="parser"/>.</summary>
    public ConfigTreeBuilder(IParser parser, string file, ConfigDiagnostics diagnostics)
    {
        _parser = parser;
        _file = file;
        _diagnostics = diagnostics;
        LastPosition = new ConfigMark(file, 1, 1);
    }

    /// <summary>The end of the last event consumed: where parsing stopped if YamlDotNet fails without a position.</summary>
    public ConfigMark LastPosition { get; private set; }

    /// <summary>Converts a YamlDotNet mark (already 1-based) into a <see cref="ConfigMark"/>.</summary>
    public static ConfigMark ToMark(string file, Mark mark) =>
        new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    /// <summary>
    /// Reads the stream's only document. An empty stream yields a null scalar; a second document is an
    /// error (Envoy reads one bootstrap per file) and yields null.
    /// </summary>
    public ConfigNode? ReadSingleDocument()
    {
        Take<StreamStart>();
        if (_parser.Accept<StreamEnd>(out _))
        {
            return new ConfigScalar("", new ConfigMark(_file, 1, 1), _diagnostics, "", isQuoted: false);
        }
        Take<DocumentStart>();
        var root = ReadNode("", 0);
        Take<DocumentEnd>();
        if (_parser.Accept<DocumentStart>(out var second))
        {
            _diagnostics.Error(ToMark(_file, second.Start), "", "expected a single YAML document, but a second one starts here");
            return null;
        }
        return root;
    }

    private ConfigNode ReadNode(string path, int depth)
    {
        var start = _parser.Current;
        if (start is not null) CheckLimits(start.Start, start.End, depth);
        var ev = Take<ParsingEvent>();
        var mark = ToMark(_file, ev.Start);
        ConfigNode node;
        switch (ev)
        {
            case Scalar scalar:
                node = new ConfigScalar(path, mark, _diagnostics, scalar.Value, IsExplicitString(scalar));
                break;
            case SequenceStart:
                node = ReadSequence(path, mark, depth);
                break;
            case MappingStart:
                node = ReadMapping(path, mark, depth);
                break;
            case AnchorAlias alias:
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlException(ev.Start, ev.End, $"alias '*{alias.Value}' refers to an anchor that is not defined before it");
                }
                return Copy(target, path, depth);
            default:
                throw new YamlException(ev.Start, ev.End, $"unexpected {ev}");
        }
        // Registered only once the node is complete, so an alias inside its own anchor is rejected
        // (YAML forbids it, and allowing it would make the tree infinite).
        if (ev is NodeEvent { Anchor.IsEmpty: false } anchored) _anchors[anchored.Anchor.Value] = node;
        return node;
    }

    private ConfigSequence ReadSequence(string path, ConfigMark mark, int depth)
    {
        var items = new List<ConfigNode>();
        var sequence = new ConfigSequence(path, mark, _diagnostics, items);
        while (!TryTake<SequenceEnd>())
        {
            items.Add(ReadNode(sequence.ChildPath(items.Count), depth + 1));
        }
        return sequence;
    }

    private ConfigMap ReadMapping(string path, ConfigMark mark, int depth)
    {
        var entries = new List<KeyValuePair<ConfigScalar, ConfigNode>>();
        var map = new ConfigMap(path, mark, _diagnostics, entries);
        var seen = new Dictionary<string, ConfigScalar>(StringComparer.Ordinal);
        while (!TryTake<MappingEnd>())
        {
            var key = ReadKey(map, depth);
            var value = ReadNode(key is null ? map.Path : map.ChildPath(key.Value), depth + 1);
            if (key is null) continue;
            if (seen.TryGetValue(key.Value, out var first))
            {
                // The first occurrence wins; the later one is reported where it is, since that is
                // usually the line the author just added.
                key.Error($"duplicate key '{key.Value}' (first defined at line {first.Mark.Line})");
                continue;
            }
            seen.Add(key.Value, key);
            entries.Add(new KeyValuePair<ConfigScalar, ConfigNode>(key, value));
        }
        return map;
    }

    private ConfigScalar? ReadKey(ConfigMap map, int depth)
    {
        // The key's path is its own text, which is known before the node is built.
        var text = _parser.Current switch
        {
            Scalar scalar => scalar.Value,
            AnchorAlias alias when _anchors.TryGetValue(alias.Value.Value, out var target) && target is ConfigScalar anchored => anchored.Value,
            _ => null,
        };
        var key = ReadNode(text is null ? map.Path : map.ChildPath(text), depth + 1);
        if (key is ConfigScalar scalarKey) return scalarKey;
        key.Error($"mapping keys must be scalars, found {key.KindName}");
        return null;
    }

    /// <summary>
    /// Copies an anchored node for an alias: same text and source position (that is where the content is
    /// written) but the path of the place it is used, and its own record of which keys were read.
    /// </summary>
    private ConfigNode Copy(ConfigNode source, string path, int depth)
    {
        CheckLimits(Mark.Empty, Mark.Empty, depth);
        switch (source)
        {
            case ConfigScalar scalar:
                return new ConfigScalar(path, scalar.Mark, _diagnostics, scalar.Value, scalar.IsQuoted);
            case ConfigSequence sequence:
                var items = new List<ConfigNode>(sequence.Count);
                var sequenceCopy = new ConfigSequence(path, sequence.Mark, _diagnostics, items);
                foreach (var item in sequence.Items)
                {
                    items.Add(Copy(item, sequenceCopy.ChildPath(items.Count), depth + 1));
                }
                return sequenceCopy;
            case ConfigMap map:
                var entries = new List<KeyValuePair<ConfigScalar, ConfigNode>>(map.Entries.Count);
                var mapCopy = new ConfigMap(path, map.Mark, _diagnostics, entries);
                foreach (var (key, value) in map.Entries)
                {
                    var childPath = mapCopy.ChildPath(key.Value);
                    var keyCopy = new ConfigScalar(childPath, key.Mark, _diagnostics, key.Value, key.IsQuoted);
                    entries.Add(new KeyValuePair<ConfigScalar, ConfigNode>(keyCopy, Copy(value, childPath, depth + 1)));
                }
                return mapCopy;
            default:
                throw new InvalidOperationException("unknown node kind " + source.GetType().Name);
        }
    }

    private void CheckLimits(Mark start, Mark end, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(start, end, $"the document is nested more than {MaxDepth} levels deep");
        }
        if (++_nodeCount > MaxNodes)
        {
            throw new YamlException(start, end, $"the document has more than {MaxNodes} nodes once aliases are expanded");
        }
    }

    // Plain scalars are typed by their text (null, true, 5); quoted and block scalars, and anything
    // tagged !!str, are always strings, so for them "null" or "" is a value rather than an absence.
    private static bool IsExplicitString(Scalar scalar) =>
        scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
        || (!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag);

    private T Take<T>() where T : ParsingEvent
    {
        var ev = _parser.Consume<T>();
        LastPosition = ToMark(_file, ev.End);
        return ev;
    }

    private bool TryTake<T>() where T : ParsingEvent
    {
        if (!_parser.TryConsume<T>(out var ev)) return false;
        LastPosition = ToMark(_file, ev.End);
        return true;
    }
}
