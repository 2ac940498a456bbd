using System.Buffers;
using System.IO.Pipelines;
using Junction.Core.Buffers;

namespace Junction.Core.Transport;

/// <summary>Settings shared by the connections of one listener or cluster.</summary>
internal sealed class TransportOptions
{
    public TransportOptions(int bufferLimitBytes, MemoryPool<byte>? pool = null)
    {
        BufferLimitBytes = bufferLimitBytes;
        Pool = pool ?? PinnedBlockMemoryPool.Default;
    }

    /// <summary>
    /// The most bytes each direction buffers in user space (Envoy's per_connection_buffer_limit_bytes):
    /// the receive loop stops reading the socket, and writers wait, once a pipe holds this much.
    /// </summary>
    public int BufferLimitBytes { get; }

    public MemoryPool<byte> Pool { get; }

    /// <summary>Options for the pipe the socket is read into.</summary>
    public PipeOptions InputOptions => new(
        Pool,
        // The application side runs on the thread pool so a slow filter never stalls socket completions.
        readerScheduler: PooledThreadPoolScheduler.Instance,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: BufferLimitBytes,
        resumeWriterThreshold: BufferLimitBytes / 2,
        minimumSegmentSize: Pool.MaxBufferSize,
        useSynchronizationContext: false);

    /// <summary>Options for the pipe the application writes into and the socket is sent from.</summary>
    public PipeOptions OutputOptions => new(
        Pool,
        // Sending inline on the flushing thread saves a thread hop per write: the send loop issues the
        // syscall straight away and only goes async when the socket buffer is full.
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PooledThreadPoolScheduler.Instance,
        pauseWriterThreshold: BufferLimitBytes,
        resumeWriterThreshold: BufferLimitBytes / 2,
        minimumSegmentSize: Pool.MaxBufferSize,
        useSynchronizationContext: false);
}
