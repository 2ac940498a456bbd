using System.Runtime.CompilerServices;

namespace Junction.Threading;

/// <summary>
/// An async method builder for <see cref="ValueTask{TResult}"/> methods on the data path. A method that
/// completes without suspending costs nothing; one that suspends keeps its state in a box taken from a
/// per-method pool and returned when its result has been read, so steady-state proxying allocates
/// nothing. Apply with <c>[AsyncMethodBuilder(typeof(PooledValueTaskBuilder&lt;&gt;))]</c>.
/// </summary>
/// <remarks>
/// As with the runtime's <c>PoolingAsyncValueTaskMethodBuilder</c>, the returned <see cref="ValueTask{TResult}"/>
/// must be awaited exactly once (its box is reused afterwards). The difference is the pool: the runtime
/// keeps one box per thread and one per core, which a proxy with many requests in flight outgrows on
/// every burst; this one keeps up to 256 per method.
/// </remarks>
/// <typeparam name="TResult">The method's result type.</typeparam>
public struct PooledValueTaskBuilder<TResult>
{
    private PooledBox<TResult>? _box;
    private Exception? _exception;
    private TResult _result;

    /// <summary>Called by the compiler.</summary>
    public static PooledValueTaskBuilder<TResult> Create() => default;

    /// <summary>The method's task.</summary>
    public readonly ValueTask<TResult> Task =>
        _box is { } box ? new ValueTask<TResult>(box, box.Version)
        : _exception is { } exception ? ValueTask.FromException<TResult>(exception)
        : new ValueTask<TResult>(_result);

    internal readonly PooledBox<TResult>? Box => _box;

    internal readonly Exception? Exception => _exception;

    /// <summary>Runs the method up to its first suspension.</summary>
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine => BuilderCore.Start(ref stateMachine);

    /// <summary>Not used for value-type state machines.</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method.</summary>
    public void SetResult(TResult result)
    {
        if (_box is { } box) box.SetResult(result);
        else _result = result;
    }

    /// <summary>Fails the method.</summary>
    public void SetException(Exception exception)
    {
        if (_box is { } box) box.SetException(exception);
        else _exception = exception;
    }

    /// <summary>Suspends the method until <paramref name="awaiter"/> completes.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(BoxFor(ref stateMachine).MoveNextAction);

    /// <summary>Suspends the method until <paramref name="awaiter"/> completes.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(BoxFor(ref stateMachine).MoveNextAction);

    private StateMachineBox<TStateMachine, TResult> BoxFor<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        if (_box is StateMachineBox<TStateMachine, TResult> existing)
        {
            existing.Context = ExecutionContext.Capture();
            return existing;
        }
        // First suspension: the box must be known to the builder before the state machine (which holds
        // the builder) is copied into it, so that the copy completes the box.
        var box = StateMachineBox<TStateMachine, TResult>.Rent();
        _box = box;
        box.StateMachine = stateMachine;
        box.Context = ExecutionContext.Capture();
        return box;
    }
}

/// <summary>The <see cref="ValueTask"/> (no result) counterpart of <see cref="PooledValueTaskBuilder{TResult}"/>.</summary>
public struct PooledValueTaskBuilder
{
    private PooledValueTaskBuilder<VoidResult> _inner;

    /// <summary>Called by the compiler.</summary>
    public static PooledValueTaskBuilder Create() => default;

    /// <summary>The method's task.</summary>
    public readonly ValueTask Task =>
        _inner.Box is { } box ? new ValueTask(box, box.Version)
        : _inner.Exception is { } exception ? ValueTask.FromException(exception)
        : default;

    /// <summary>Runs the method up to its first suspension.</summary>
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine => BuilderCore.Start(ref stateMachine);

    /// <summary>Not used for value-type state machines.</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method.</summary>
    public void SetResult() => _inner.SetResult(default);

    /// <summary>Fails the method.</summary>
    public void SetException(Exception exception) => _inner.SetException(exception);

    /// <summary>Suspends the method until <paramref name="awaiter"/> completes.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine => _inner.AwaitOnCompleted(ref awaiter, ref stateMachine);

    /// <summary>Suspends the method until <paramref name="awaiter"/> completes.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine => _inner.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}

/// <summary>The result of a method that has none.</summary>
internal readonly struct VoidResult;

/// <summary>What both builders share.</summary>
internal static class BuilderCore
{
    /// <summary>Runs the first part of a method; whatever it does to the ambient execution context stays inside it.</summary>
    public static void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        var before = ExecutionContext.Capture();
        try
        {
            stateMachine.MoveNext();
        }
        finally
        {
            if (before is not null && !ReferenceEquals(ExecutionContext.Capture(), before)) ExecutionContext.Restore(before);
        }
    }
}
