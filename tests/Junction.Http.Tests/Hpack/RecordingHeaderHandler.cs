using System.Text;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

/// <summary>Keeps every decoded field as text, so that whole header lists compare with one assert.</summary>
internal struct RecordingHeaderHandler : IHpackHeaderHandler
{
    public RecordingHeaderHandler() { }

    public List<(string Name, string Value)> Fields { get; } = [];

    public List<bool> NeverIndexed { get; } = [];

    public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex)
    {
        Fields.Add((Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(value)));
        NeverIndexed.Add(neverIndex);
    }
}
