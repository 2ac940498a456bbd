using System.Buffers;

namespace Junction.Network;

/// <summary>
/// The bytes offered to a network filter: a view of the connection's receive (or send) buffer.
/// A filter consumes what it has handled; the rest is offered to the next filter (on
/// <see cref="FilterStatus.Continue"/>) or stays buffered. The view is only valid during the call it was
/// passed to: a filter that needs bytes later must copy them.
/// </summary>
public sealed class NetworkData
{
    /// <summary>The bytes not consumed yet.</summary>
    public ReadOnlySequence<byte> Buffer { get; private set; }

    /// <summary>Number of bytes not consumed yet.</summary>
    public long Length => Buffer.Length;

    /// <summary>True when every byte has been consumed (or there were none).</summary>
    public bool IsEmpty => Buffer.IsEmpty;

    /// <summary>Marks the first <paramref name="count"/> bytes as handled: no later filter sees them.</summary>
    public void Consume(long count) => Buffer = Buffer.Slice(count);

    /// <summary>Marks every byte as handled.</summary>
    public void ConsumeAll() => Buffer = Buffer.Slice(Buffer.End);

    /// <summary>Points the view at new bytes; used by the connection that owns the buffer.</summary>
    public void Reset(in ReadOnlySequence<byte> buffer) => Buffer = buffer;
}
