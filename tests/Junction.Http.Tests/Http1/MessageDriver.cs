using System.Buffers;
using Junction.Http.Http1;

namespace Junction.Http.Tests.Http1;

/// <summary>
/// Runs the parser over a start line and header section the way the codec will: call, advance the
/// pipe to the reader's position, call again with more bytes.
/// </summary>
internal sealed class MessageDriver(bool request, Http1ParserLimits? limits = null)
{
    private readonly Http1Parser _parser = new(limits ?? Http1ParserLimits.Default);
    private RecordingHandler _handler = new();
    private bool _startLineDone;

    public List<string> Events => _handler.Events;

    public bool IsComplete { get; private set; }

    /// <summary>One parse call over <paramref name="input"/>; returns the bytes consumed.</summary>
    public long Step(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        if (!_startLineDone)
        {
            _startLineDone = request
                ? _parser.ParseRequestLine(ref reader, ref _handler)
                : _parser.ParseStatusLine(ref reader, ref _handler);
        }
        if (_startLineDone)
        {
            IsComplete = _parser.ParseHeaders(ref reader, ref _handler);
        }
        return reader.Consumed;
    }

    /// <summary>Parses a whole input in one call.</summary>
    public static (List<string> Events, long Consumed, bool Complete) ParseOnce(bool request, ReadOnlySequence<byte> input, Http1ParserLimits? limits = null)
    {
        var driver = new MessageDriver(request, limits);
        var consumed = driver.Step(input);
        return (driver.Events, consumed, driver.IsComplete);
    }
}
