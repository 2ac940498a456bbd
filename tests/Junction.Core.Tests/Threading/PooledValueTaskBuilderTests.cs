using System.Runtime.CompilerServices;
using Junction.Threading;

namespace Junction.Core.Tests.Threading;

/// <summary>The pooling async method builder the data path uses: results, exceptions, context, and reuse.</summary>
public sealed class PooledValueTaskBuilderTests
{
    private static readonly AsyncLocal<string?> s_ambient = new();

    [Fact]
    public async Task ASynchronousCompletionNeedsNoBox()
    {
        var task = AddAsync(2, 3, suspend: false);
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(5, await task);
    }

    [Fact]
    public async Task ResultsSurviveSuspensions()
    {
        Assert.Equal(5, await AddAsync(2, 3, suspend: true));
        await NothingAsync(suspend: true);
        await NothingAsync(suspend: false);
    }

    [Fact]
    public async Task ExceptionsPropagateBeforeAndAfterASuspension()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await FailAsync(suspend: false));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await FailAsync(suspend: true));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await FailVoidAsync(suspend: true));
        // The boxes that carried the exceptions are back in service.
        Assert.Equal(7, await AddAsync(3, 4, suspend: true));
    }

    [Fact]
    public async Task TheExecutionContextFlowsInAndChangesDoNotLeakOut()
    {
        s_ambient.Value = "outer";
        Assert.Equal("outer|inner", await ReadAndChangeAmbientAsync());
        Assert.Equal("outer", s_ambient.Value);
    }

    [Fact]
    public async Task ManyConcurrentCallsAllComplete()
    {
        var tasks = Enumerable.Range(0, 2000).Select(i => AddAsync(i, 1, suspend: true).AsTask()).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(1, 2000), results);
    }

    [Fact]
    public async Task SuspendingCallsReuseTheirBoxes()
    {
        // Warm up: the pool fills with the boxes these methods use.
        await LoopAsync(1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var task = LoopAsync(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(task.IsCompletedSuccessfully);
        await task;
        // A box costs over 100 bytes; without reuse this would be above a megabyte.
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated by 10000 suspending calls");
    }

    // Every call suspends (its builder takes a box) and resumes at once on the same thread, so the
    // count is exact: no thread pool or synchronization context allocates on the way.
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask LoopAsync(int count)
    {
        for (var i = 0; i < count; i++) await SuspendOnceAsync(i);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> SuspendOnceAsync(int value)
    {
        await default(ResumeAtOnce);
        return value;
    }

    /// <summary>An awaitable that is never complete when asked but resumes its awaiter straight away.</summary>
    private readonly struct ResumeAtOnce : ICriticalNotifyCompletion
    {
        public bool IsCompleted => false;

        public ResumeAtOnce GetAwaiter() => this;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => continuation();

        public void UnsafeOnCompleted(Action continuation) => continuation();
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> AddAsync(int a, int b, bool suspend)
    {
        if (suspend) await Task.Yield();
        return a + b;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask NothingAsync(bool suspend)
    {
        if (suspend) await Task.Yield();
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> FailAsync(bool suspend)
    {
        if (suspend) await Task.Yield();
        throw new InvalidOperationException("failed");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask FailVoidAsync(bool suspend)
    {
        if (suspend) await Task.Yield();
        throw new InvalidOperationException("failed");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<string> ReadAndChangeAmbientAsync()
    {
        await Task.Yield();
        var seen = s_ambient.Value;
        s_ambient.Value = "inner";
        await Task.Yield();
        return seen + "|" + s_ambient.Value;
    }
}
