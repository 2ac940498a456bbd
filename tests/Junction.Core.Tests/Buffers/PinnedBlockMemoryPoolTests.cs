using Junction.Core.Buffers;

namespace Junction.Core.Tests.Buffers;

public sealed class PinnedBlockMemoryPoolTests
{
    [Fact]
    public void ReturnedBlocksAreReusedInsteadOfAllocated()
    {
        using var pool = new PinnedBlockMemoryPool();
        for (var i = 0; i < 100; i++)
        {
            using var block = pool.Rent();
            Assert.Equal(PinnedBlockMemoryPool.DefaultBlockSize, block.Memory.Length);
        }
        Assert.Equal(1, pool.AllocatedBlocks);
    }

    [Fact]
    public void BlocksLiveOnThePinnedHeap()
    {
        using var pool = new PinnedBlockMemoryPool();
        using var block = pool.Rent();
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment));
        // A fresh ordinary array is in generation 0; one on the pinned object heap reports the
        // oldest generation at once, so this tells the two apart.
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(segment.Array!));
        Assert.Equal(0, GC.GetGeneration(new byte[PinnedBlockMemoryPool.DefaultBlockSize]));
    }

    [Fact]
    public void RentingMoreThanABlockIsRefused()
    {
        using var pool = new PinnedBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(PinnedBlockMemoryPool.DefaultBlockSize + 1));
    }

    [Fact]
    public void ReleasedFreeBlocksAreNotReusedAndBlocksInUseStillComeBack()
    {
        using var pool = new PinnedBlockMemoryPool();
        var inUse = pool.Rent();
        pool.Rent().Dispose();
        pool.Rent().Dispose();
        Assert.Equal(2, pool.AllocatedBlocks);

        Assert.Equal(1, pool.ReleaseFreeBlocks());
        inUse.Dispose();
        using (pool.Rent())
        {
        }
        // The block in use when the pool was trimmed was reused; the released one is gone for good.
        Assert.Equal(2, pool.AllocatedBlocks);
        using var fresh = pool.Rent();
        using var another = pool.Rent();
        Assert.Equal(3, pool.AllocatedBlocks);
    }
}
