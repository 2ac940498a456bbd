using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Junction.Core.Transport;

/// <summary>
/// Sends a whole <see cref="ReadOnlySequence{T}"/> with one gathered write (sendmsg with an iovec per
/// segment) instead of one syscall per pipe segment. One instance per connection, reused for every
/// send, so sending allocates nothing.
/// </summary>
internal sealed class SocketSender : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private readonly List<ArraySegment<byte>> _segments = new(8);
    private ManualResetValueTaskSourceCore<int> _source;

    public SocketSender() : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    public ValueTask<int> SendAsync(Socket socket, in ReadOnlySequence<byte> buffers)
    {
        if (buffers.IsSingleSegment)
        {
            if (BufferList is not null) BufferList = null;
            SetBuffer(MemoryMarshal.AsMemory(buffers.First));
        }
        else
        {
            if (MemoryBuffer.Length != 0 || Buffer is not null) SetBuffer(null, 0, 0);
            _segments.Clear();
            foreach (var segment in buffers)
            {
                if (!MemoryMarshal.TryGetArray(segment, out var array))
                {
                    throw new InvalidOperationException("pipe segments must be array-backed");
                }
                _segments.Add(array);
            }
            BufferList = _segments;
        }

        _source.Reset();
        if (socket.SendAsync(this)) return new ValueTask<int>(this, _source.Version);
        return SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success) _source.SetResult(BytesTransferred);
        else _source.SetException(new SocketException((int)SocketError));
    }

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
