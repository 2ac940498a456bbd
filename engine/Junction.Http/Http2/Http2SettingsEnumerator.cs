using System.Buffers;

namespace Junction.Http.Http2;

/// <summary>Walks the six-byte entries of a SETTINGS payload (see <see cref="Http2Frame.GetSettings"/>).</summary>
internal ref struct Http2SettingsEnumerator
{
    private SequenceReader<byte> _reader;

    public Http2SettingsEnumerator(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    public Http2SettingsEntry Current { get; private set; }

    public readonly Http2SettingsEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        // The reader checked that the length is a multiple of six, so an entry is never cut short.
        if (!_reader.TryReadBigEndian(out short identifier) || !_reader.TryReadBigEndian(out int value)) return false;
        Current = new Http2SettingsEntry((Http2SettingsParameter)(ushort)identifier, (uint)value);
        return true;
    }
}
