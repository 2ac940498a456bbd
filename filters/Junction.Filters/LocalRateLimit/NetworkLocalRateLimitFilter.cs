using Junction.Network;
using Junction.Stats;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// One connection's local rate limit: a token lets it through; without one it is closed (no flush: nothing
/// was written yet) and the chain stops, so no later filter (tcp_proxy connecting upstream, say) runs.
/// </summary>
internal sealed class NetworkLocalRateLimitFilter(TokenBucket bucket, Counter rateLimited) : INetworkReadFilter
{
    private IReadFilterCallbacks _callbacks = null!;
    private bool _refused;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    public ValueTask<FilterStatus> OnNewConnectionAsync()
    {
        if (bucket.TryConsume()) return ValueTask.FromResult(FilterStatus.Continue);
        _refused = true;
        rateLimited.Increment();
        _callbacks.Connection.Close(ConnectionCloseType.NoFlush);
        return ValueTask.FromResult(FilterStatus.StopIteration);
    }

    public ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        // A refused connection's bytes go nowhere; an admitted one's pass on untouched.
        if (!_refused) return ValueTask.FromResult(FilterStatus.Continue);
        data.ConsumeAll();
        return ValueTask.FromResult(FilterStatus.StopIteration);
    }
}
