using System.Buffers;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The request body bytes as they went upstream (framing included), kept so that a retry can send them
/// again. Backed by one array from <see cref="ArrayPool{T}.Shared"/>, grown by doubling and returned
/// when the exchange ends. Used only by the data path of one connection, never concurrently.
/// </summary>
internal sealed class RequestReplayBuffer : IBufferWriter<byte>
{
    private byte[] _buffer = [];
    private int _length;

    /// <summary>Bytes held.</summary>
    public int Length => _length;

    /// <summary>The bytes held.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <inheritdoc />
    public void Advance(int count) => _length += count;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    /// <summary>Drops the bytes and gives the array back to the pool.</summary>
    public void Clear()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private void Ensure(int sizeHint)
    {
        var need = _length + Math.Max(sizeHint, 1);
        if (need <= _buffer.Length) return;
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(need, Math.Max(_buffer.Length * 2, 4096)));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
