using System.IO.Pipelines;

namespace Junction.Core.Transport;

/// <summary>
/// Runs pipe continuations on the thread pool, like <see cref="PipeScheduler.ThreadPool"/>, without
/// allocating: that one queues each continuation as a new work item object, once per read of every
/// connection; this one reuses pooled work items.
/// </summary>
internal sealed class PooledThreadPoolScheduler : PipeScheduler
{
    public static readonly PooledThreadPoolScheduler Instance = new();

    private PooledThreadPoolScheduler()
    {
    }

    public override void Schedule(Action<object?> action, object? state)
    {
        var item = WorkItem.Rent();
        item.Action = action;
        item.State = state;
        // Unsafe: the continuations restore their own execution context (async method builders do).
        System.Threading.ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
    }

    private sealed class WorkItem : IThreadPoolWorkItem
    {
        private const int PoolSize = 256;
        private static readonly WorkItem?[] s_pool = new WorkItem?[PoolSize];
        private static readonly Lock s_poolLock = new();
        private static int s_pooled;

        [ThreadStatic]
        private static WorkItem? t_cached;

        public Action<object?>? Action;
        public object? State;

        public static WorkItem Rent()
        {
            if (t_cached is { } cached)
            {
                t_cached = null;
                return cached;
            }
            lock (s_poolLock)
            {
                if (s_pooled > 0)
                {
                    var item = s_pool[--s_pooled]!;
                    s_pool[s_pooled] = null;
                    return item;
                }
            }
            return new WorkItem();
        }

        public void Execute()
        {
            var action = Action!;
            var state = State;
            Action = null;
            State = null;
            // Back in the pool before the continuation runs: it may schedule the next one at once.
            Return(this);
            action(state);
        }

        private static void Return(WorkItem item)
        {
            if (t_cached is null)
            {
                t_cached = item;
                return;
            }
            lock (s_poolLock)
            {
                if (s_pooled < PoolSize) s_pool[s_pooled++] = item;
            }
        }
    }
}
