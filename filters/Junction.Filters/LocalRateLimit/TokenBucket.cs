using System.Diagnostics;

namespace Junction.Filters.LocalRateLimit;

/// <summary>
/// A token bucket shared by every request or connection a local rate limit covers. It starts full
/// (<c>max_tokens</c>); every <c>fill_interval</c> since it was created adds <c>tokens_per_fill</c>, up
/// to the maximum. Fills are applied lazily from a monotonic clock when a token is asked for, so no
/// timer runs; the result is the same as Envoy's timer filling at each interval boundary.
/// </summary>
/// <remarks>
/// One short lock per call: the critical section is a few arithmetic operations, and an uncontended
/// <see cref="Lock"/> costs less than the allocation a lock-free swap of two fields would need.
/// </remarks>
internal sealed class TokenBucket
{
    private readonly long _maxTokens;
    private readonly long _tokensPerFill;
    private readonly long _intervalTicks;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private long _tokens;
    // The clock reading of the last interval boundary whose fill has been applied.
    private long _lastFill;

    /// <summary>A full bucket.</summary>
    /// <param name="settings">Size, fill amount and interval.</param>
    /// <param name="clock">The monotonic clock (<see cref="TimeProvider.System"/>; tests pass a fake).</param>
    public TokenBucket(TokenBucketSettings settings, TimeProvider clock)
    {
        _maxTokens = settings.MaxTokens;
        _tokensPerFill = settings.TokensPerFill;
        _clock = clock;
        _intervalTicks = Math.Max(1, (long)(settings.FillInterval.TotalSeconds * clock.TimestampFrequency));
        _tokens = _maxTokens;
        _lastFill = clock.GetTimestamp();
    }

    /// <summary>The tokens left now (after applying any fills due).</summary>
    public long Tokens
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens;
            }
        }
    }

    /// <summary>Takes one token; false when the bucket is empty.</summary>
    public bool TryConsume()
    {
        lock (_lock)
        {
            Refill();
            if (_tokens == 0) return false;
            _tokens--;
            return true;
        }
    }

    private void Refill()
    {
        var elapsed = _clock.GetTimestamp() - _lastFill;
        if (elapsed < _intervalTicks) return;
        var fills = elapsed / _intervalTicks;
        // Keep the boundary grid: a call late in an interval must not postpone the next fill.
        _lastFill += fills * _intervalTicks;
        // Compare fill counts rather than multiply first: fills * tokens_per_fill can overflow after a long idle.
        var fillsToFull = (_maxTokens - _tokens + _tokensPerFill - 1) / _tokensPerFill;
        _tokens = fills >= fillsToFull ? _maxTokens : _tokens + (fills * _tokensPerFill);
        Debug.Assert(_tokens >= 0);
    }
}
