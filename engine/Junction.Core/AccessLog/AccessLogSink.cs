using System.Text;
using System.Threading.Channels;
using Junction.Stats;

namespace Junction.Core.AccessLog;

/// <summary>
/// Writes log lines to one file (or stdout/stderr) from a background task, so the data path only
/// enqueues. The queue is bounded: when the disk cannot keep up, lines are dropped and counted rather
/// than letting memory grow.
/// </summary>
internal sealed class AccessLogSink : IAsyncDisposable
{
    private const int QueueCapacity = 16_384;

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });
    private readonly Stream _stream;
    private readonly Counter _dropped;
    private readonly Task _writer;

    public AccessLogSink(string path, Stream stream, Counter dropped)
    {
        Path = path;
        _stream = stream;
        _dropped = dropped;
        _writer = WriteLoopAsync();
    }

    public string Path { get; }

    public void Enqueue(string line)
    {
        if (!_queue.Writer.TryWrite(line)) _dropped.Increment();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var buffer = new byte[16 * 1024];
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Drain everything queued, then flush once: one write syscall per burst, not per line.
            while (reader.TryRead(out var line))
            {
                var bytes = Encoding.UTF8.GetByteCount(line);
                if (bytes > buffer.Length) buffer = new byte[bytes];
                var written = Encoding.UTF8.GetBytes(line, buffer);
                try
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, written)).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    _dropped.Increment();
                }
            }
            try
            {
                await _stream.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }
}
