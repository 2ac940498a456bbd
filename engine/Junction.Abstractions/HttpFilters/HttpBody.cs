using System.Buffers;
using System.Text;

namespace Junction.HttpFilters;

/// <summary>
/// Body bytes handed to a filter: one piece as it arrived, or, after
/// <see cref="HttpFilterStatus.StopAndBuffer"/>, everything buffered so far. A filter may read, replace
/// or clear it; what it holds when the filter returns <see cref="HttpFilterStatus.Continue"/> is what the
/// next filter gets. Owned by the stream and reused: do not keep a reference past the callback.
/// </summary>
public sealed class HttpBody : IDisposable
{
    private byte[] _buffer = [];
    private int _length;

    /// <summary>The number of bytes.</summary>
    public int Length => _length;

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    /// <summary>The bytes, for writing them out.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>Adds bytes at the end.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(_length + bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Adds bytes at the end.</summary>
    public void Append(in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) Append(segment.Span);
    }

    /// <summary>Replaces the contents.</summary>
    public void Replace(ReadOnlySpan<byte> bytes)
    {
        _length = 0;
        Append(bytes);
    }

    /// <summary>Empties it.</summary>
    public void Clear() => _length = 0;

    /// <summary>The bytes decoded as UTF-8. Allocates.</summary>
    public override string ToString() => Encoding.UTF8.GetString(Span);

    /// <summary>Returns the buffer to the pool; the body is empty afterwards and may be used again.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, _buffer.Length * 2)));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
