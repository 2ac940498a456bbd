using Junction.Core.Transport;

namespace Junction.Core.Tests.Transport;

/// <summary>The flag a receive poller raises for a receive loop: no edge may be lost, none counted twice.</summary>
public sealed class ReadableSignalTests
{
    [Fact]
    public async Task AnEdgeBeforeTheWaitCompletesItAtOnce()
    {
        var signal = new ReadableSignal();
        signal.Raise(peerClosed: false);
        var wait = signal.WaitAsync();
        Assert.True(wait.IsCompleted);
        await wait;
        Assert.False(signal.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task AnEdgeDuringTheWaitCompletesIt()
    {
        var signal = new ReadableSignal();
        var wait = signal.WaitAsync();
        Assert.False(wait.IsCompleted);
        signal.Raise(peerClosed: false);
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(signal.PeerClosed);
    }

    [Fact]
    public void EdgesWhileNobodyWaitsCountOnce()
    {
        var signal = new ReadableSignal();
        signal.Raise(peerClosed: false);
        signal.Raise(peerClosed: true);
        Assert.True(signal.WaitAsync().IsCompleted);
        Assert.False(signal.WaitAsync().IsCompleted);
        Assert.True(signal.PeerClosed);
    }
}
