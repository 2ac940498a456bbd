using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Junction.Threading;

/// <summary>
/// What a suspended <see cref="PooledValueTaskBuilder{TResult}"/> method's <see cref="ValueTask"/> waits
/// on: a reusable completion source that goes back to its pool once the awaiter has read its result.
/// </summary>
/// <typeparam name="TResult">The method's result type.</typeparam>
public abstract class PooledBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    /// <summary>The token of the current use; a stale <see cref="ValueTask"/> holding an older one fails.</summary>
    public short Version => _core.Version;

    internal void SetResult(TResult result) => _core.SetResult(result);

    internal void SetException(Exception exception) => _core.SetException(exception);

    /// <inheritdoc />
    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Readies the box for its next use (a new version) and hands it back to its pool.</summary>
    private void Recycle()
    {
        _core.Reset();
        ReturnToPool();
    }

    /// <summary>Clears the state machine and puts the box in its pool (or drops it when the pool is full).</summary>
    private protected abstract void ReturnToPool();
}

/// <summary>The box of one async method: holds its state machine while it is suspended.</summary>
internal sealed class StateMachineBox<TStateMachine, TResult> : PooledBox<TResult>
    where TStateMachine : IAsyncStateMachine
{
    // Boxes of one method that can be in use at once grow with the connections in flight, so the pool
    // is sized for many (the runtime's own pooling builder keeps one per thread and one per core).
    private const int PoolSize = 256;

    private static readonly StateMachineBox<TStateMachine, TResult>?[] s_pool = new StateMachineBox<TStateMachine, TResult>?[PoolSize];
    private static readonly Lock s_poolLock = new();
    private static readonly ContextCallback s_runMoveNext = static state => ((StateMachineBox<TStateMachine, TResult>)state!).StateMachine.MoveNext();
    private static int s_pooled;

    [ThreadStatic]
    private static StateMachineBox<TStateMachine, TResult>? t_cached;

    private StateMachineBox() => MoveNextAction = MoveNext;

    /// <summary>The suspended method.</summary>
    public TStateMachine StateMachine = default!;

    /// <summary>The execution context captured at the last suspension, restored to resume.</summary>
    public ExecutionContext? Context;

    /// <summary>Resumes the method; handed to awaiters as their continuation (one delegate per box, reused).</summary>
    public Action MoveNextAction { get; }

    public static StateMachineBox<TStateMachine, TResult> Rent()
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
                var box = s_pool[--s_pooled]!;
                s_pool[s_pooled] = null;
                return box;
            }
        }
        return new StateMachineBox<TStateMachine, TResult>();
    }

    private void MoveNext()
    {
        if (Context is { } context) ExecutionContext.Run(context, s_runMoveNext, this);
        else StateMachine.MoveNext();
    }

    private protected override void ReturnToPool()
    {
        // Nothing the finished method referenced may stay reachable from the pool.
        StateMachine = default!;
        Context = null;
        if (t_cached is null)
        {
            t_cached = this;
            return;
        }
        lock (s_poolLock)
        {
            if (s_pooled < PoolSize) s_pool[s_pooled++] = this;
        }
    }
}
