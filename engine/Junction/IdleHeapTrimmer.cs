using Junction.Core.Buffers;

namespace Junction.Host;

/// <summary>
/// Gives the garbage-collected heap's spare memory back to the operating system once the proxy has
/// stopped allocating.
/// </summary>
/// <remarks>
/// The GC only runs when something allocates, and it keeps the memory a busy period made it commit:
/// after a burst of new connections, a proxy that then serves only keep-alive requests or a TCP
/// stream (which allocate nothing) would hold tens of MiB it no longer needs, for as long as it runs.
/// Once a second this looks at how much was allocated: after at least <see cref="BurstBytes"/> since
/// the last trim, a second with less than <see cref="QuietBytes"/> runs one compacting full collection
/// that decommits every free region. A steady load that allocates keeps the GC busy and is left
/// alone; one that does not allocate pays one collection (a few milliseconds, all threads paused)
/// once, and nothing more until allocation grows the heap again. The pool's idle buffer blocks are
/// released first, so that the collection frees them too.
/// </remarks>
internal sealed class IdleHeapTrimmer : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // A quarter of the gen0 budget (System.GC.Gen0MaxBudget in the csproj). Less than that leaves little
    // to give back, and it keeps the trimmer from collecting after start. 16 MiB let a burst of 256
    // new connections (about 4 MiB) keep what it committed: tcp-bulk after h1-256c peaked at 83 MiB
    // instead of 70. A steady load that allocates a little (h1-small: about 1 MiB in 8 s) gets one
    // extra collection per 4 MiB, some every half minute.
    private const long BurstBytes = 4L << 20;

    // Steady keep-alive proxying allocates nothing per request; a busy proxy that does allocate goes
    // far past this in a second.
    private const long QuietBytes = 1L << 20;

    private readonly Timer _timer;
    private long _allocatedAtLastTick;
    private long _allocatedAtLastTrim;

    public IdleHeapTrimmer()
    {
        _allocatedAtLastTick = _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        _timer = new Timer(static state => ((IdleHeapTrimmer)state!).OnTick(), this, Interval, Interval);
    }

    public void Dispose() => _timer.Dispose();

    private void OnTick()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var lastSecond = allocated - _allocatedAtLastTick;
        _allocatedAtLastTick = allocated;
        if (lastSecond >= QuietBytes || allocated - _allocatedAtLastTrim < BurstBytes) return;
        // Blocks waiting in the pool are pinned arrays the collection can only free once nobody holds
        // them: a burst of connections or a bulk transfer leaves several MiB there.
        PinnedBlockMemoryPool.Default.ReleaseFreeBlocks();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _allocatedAtLastTick = _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
    }
}
