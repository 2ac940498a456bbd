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

    // One gen0 budget (System.GC.Gen0MaxBudget in the csproj): less than that cannot have left much
    // to give back, and it keeps the trimmer from collecting after start or a trickle of requests.
    private const long BurstBytes = 16L << 20;

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
