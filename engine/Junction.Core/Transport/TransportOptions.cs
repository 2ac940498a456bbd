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
        // With inline socket completions the application reads on the thread that received the bytes
        // (no hop: the whole exchange runs on the epoll thread). Otherwise it runs on the thread pool,
        // since the receive loop's completion is already a pool thread and handing the filter chain
        // its own work item measured faster than running it inline there.
        readerScheduler: SocketCompletions.Inline ? PipeScheduler.Inline : PooledThreadPoolScheduler.Instance,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: BufferLimitBytes,
        resumeWriterThreshold: BufferLimitBytes / 2,
        minimumSegmentSize: Pool.MaxBufferSize,
        useSynchronizationContext: false);

    /// <summary>Options for the pipe the application writes into and the socket is sent from.</summary>
    public PipeOptions OutputOptions => new(
        Pool,
        // Sending inline on the flushing thread saves a thread hop per write: the send loop issues the
        // syscall straight away and only goes async when the socket buffer is full. A writer that waited
        // for room resumes where the send completed when completions are inline, else on the pool.
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: SocketCompletions.Inline ? PipeScheduler.Inline : PooledThreadPoolScheduler.Instance,
        pauseWriterThreshold: BufferLimitBytes,
        resumeWriterThreshold: BufferLimitBytes / 2,
        minimumSegmentSize: Pool.MaxBufferSize,
        useSynchronizationContext: false);
}
