using System.Buffers.Text;
using Junction.Http.Routing;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>What <see cref="RetryState"/> decided about a failed (or answered) attempt.</summary>
internal enum RetryDecision : byte
{
    /// <summary>No retry: the attempt's result stands (it may be a success).</summary>
    No,

    /// <summary>Retry after the back-off; the cluster's retry breaker is held until the next decision.</summary>
    Retry,

    /// <summary>It would be retried, but the request has used all its retries (URX).</summary>
    LimitExceeded,

    /// <summary>It would be retried, but max_retries (or the retry budget) are in flight (UO).</summary>
    Overflow,
}

/// <summary>How an attempt failed without a response head.</summary>
internal enum RetryFailure : byte
{
    /// <summary>The connection to the host could not be opened, or timed out; nothing was sent.</summary>
    ConnectFailure,

    /// <summary>The upstream closed or reset the connection after the request went out, or per_try_timeout passed.</summary>
    Reset,
}

/// <summary>
/// One request's retries, Envoy's semantics: which results are retried (<c>retry_on</c> from the policy
/// and <c>x-envoy-retry-on</c>), how many times (<c>num_retries</c> or <c>x-envoy-max-retries</c>), the
/// cluster's retry breaker, the jittered exponential back-off and the hosts tried (for
/// <c>previous_hosts</c>). The request body it replays is kept in the exchange's <see cref="KeptRequestBody"/>.
/// One object per connection, started for each request that may be retried.
/// </summary>
/// <remarks>
/// Every attempt's result goes through a decision. A retry takes a place in the cluster's retry breaker
/// and keeps it until its own attempt is decided (or the request ends); a retried request whose last
/// attempt needs no retry counts as <c>upstream_rq_retry_success</c>. Only <see cref="ReleaseRetrySlot"/>
/// may run on another thread (the connection closing), so the held place is an interlocked flag.
/// </remarks>
internal sealed class RetryState
{
    private readonly List<IUpstreamHost> _triedHosts = new(4);
    private readonly List<int> _headerStatusCodes = new(2);
    private RetryPolicy _policy = RetryPolicy.HeaderOnly;
    private IUpstreamCluster _cluster = null!;
    private RetryOn _retryOn;
    private int _remaining;
    private long _nextIntervalMs;
    private int _holdsRetry;

    /// <summary>The request's kept body (null when it has none); once abandoned, the request is not retried.</summary>
    public KeptRequestBody? Body { get; set; }

    /// <summary>Attempts sent so far, the first included.</summary>
    public int Attempts { get; private set; }

    /// <summary>The policy's per-try timeout, or null.</summary>
    public TimeSpan? PerTryTimeout => _policy.PerTryTimeout;

    /// <summary>The previous_hosts predicate is on.</summary>
    public bool AvoidPreviousHosts => _policy.AvoidPreviousHosts;

    /// <summary>Extra host picks allowed to find one not tried yet.</summary>
    public long HostSelectionRetryMaxAttempts => _policy.HostSelectionRetryMaxAttempts;

    /// <summary>
    /// Starts for a request routed with <paramref name="policy"/> (null when the route has none). False
    /// when the request cannot be retried at all: no policy and no <c>x-envoy-retry-on</c>, no
    /// conditions, or <c>retriable_request_headers</c> that the request does not match.
    /// </summary>
    public bool Begin(RetryPolicy? policy, MessageHead request, IUpstreamCluster cluster)
    {
        // A place still held (begun again for a fallback cluster) belongs to the cluster it was taken from.
        ReleaseRetrySlot();
        _policy = policy ?? RetryPolicy.HeaderOnly;
        _cluster = cluster;
        _retryOn = _policy.RetryOn;
        _remaining = _policy.NumRetries;
        _headerStatusCodes.Clear();
        _triedHosts.Clear();
        Attempts = 0;
        Body = null;
        _nextIntervalMs = Math.Max(1, (long)_policy.BaseInterval.TotalMilliseconds);

        // Envoy honours the request's own retry headers; Junction treats every client as internal (it
        // has no internal_address_config), and the cluster's retry breaker bounds what they can ask for.
        if (request.Find("x-envoy-retry-on"u8) is var on and >= 0) _retryOn |= RetryOnParser.ParseHeader(request.Value(on));
        if (_retryOn == RetryOn.None) return false;
        if (request.Find("x-envoy-max-retries"u8) is var max and >= 0 && Utf8Parser.TryParse(request.Value(max), out uint count, out var used) && used == request.Value(max).Length)
        {
            _remaining = (int)Math.Min(count, int.MaxValue);
        }
        if (request.Find("x-envoy-retriable-status-codes"u8) is var codes and >= 0) ParseStatusCodes(request.Value(codes));
        return _policy.RetriableRequestHeaders.Length == 0 || MatchesAny(_policy.RetriableRequestHeaders, request);
    }

    /// <summary>The exchange ended: gives the retry place back.</summary>
    public void End()
    {
        ReleaseRetrySlot();
        Body = null;
    }

    /// <summary>Gives back the cluster's retry place, if this request holds one. Safe from any thread.</summary>
    public void ReleaseRetrySlot()
    {
        if (Interlocked.Exchange(ref _holdsRetry, 0) == 1) _cluster.ExitRetry();
    }

    /// <summary>An attempt is being sent to <paramref name="host"/>.</summary>
    public void NoteAttempt(IUpstreamHost host)
    {
        Attempts++;
        if (_policy.AvoidPreviousHosts) _triedHosts.Add(host);
    }

    /// <summary>The hosts tried so far, in order (kept only with the previous_hosts predicate).</summary>
    public IReadOnlyList<IUpstreamHost> TriedHosts => _triedHosts;

    /// <summary>Decides about an attempt answered with <paramref name="response"/> (before any of it reaches the client).</summary>
    public RetryDecision OnResponse(MessageHead response, UpstreamRequestStats stats) => Decide(WouldRetry(response), stats);

    /// <summary>Decides about an attempt that got no response head.</summary>
    public RetryDecision OnFailure(RetryFailure failure, UpstreamRequestStats stats) => Decide(WouldRetry(failure), stats);

    /// <summary>
    /// Envoy's fully jittered exponential back-off: the n-th retry waits a random time below
    /// base_interval × 2^(n-1), the bound never above max_interval.
    /// </summary>
    public TimeSpan NextBackOff()
    {
        var interval = _nextIntervalMs;
        var maxMs = Math.Max(1, (long)_policy.MaxInterval.TotalMilliseconds);
        _nextIntervalMs = interval < maxMs / 2 ? interval * 2 : maxMs;
        return TimeSpan.FromMilliseconds(Random.Shared.NextInt64(Math.Min(interval, maxMs)));
    }

    private RetryDecision Decide(bool wouldRetry, UpstreamRequestStats stats)
    {
        // A retry that was in flight has its answer now.
        if (Interlocked.Exchange(ref _holdsRetry, 0) == 1)
        {
            _cluster.ExitRetry();
            if (!wouldRetry) stats.RetrySuccesses.Increment();
        }
        if (!wouldRetry || Body is { Abandoned: true }) return RetryDecision.No;
        if (_remaining == 0)
        {
            stats.RetryLimitExceeded.Increment();
            return RetryDecision.LimitExceeded;
        }
        _remaining--;
        if (!_cluster.TryEnterRetry())
        {
            stats.RetryOverflows.Increment();
            return RetryDecision.Overflow;
        }
        Volatile.Write(ref _holdsRetry, 1);
        stats.Retries.Increment();
        stats.RetryBackOffs.Increment();
        return RetryDecision.Retry;
    }

    private bool WouldRetry(RetryFailure failure)
    {
        var on = _retryOn;
        if (on.HasFlag(RetryOn.FiveXx) || on.HasFlag(RetryOn.GatewayError) || on.HasFlag(RetryOn.Reset)) return true;
        // Over HTTP/1.1, a connect failure is the one reset that happens before the request was sent.
        return failure == RetryFailure.ConnectFailure && (on.HasFlag(RetryOn.ConnectFailure) || on.HasFlag(RetryOn.ResetBeforeRequest));
    }

    private bool WouldRetry(MessageHead response)
    {
        var on = _retryOn;
        // An upstream that says it is overloaded is not retried; a rate-limited answer from an upstream
        // Envoy only with envoy-ratelimited.
        if (response.Find("x-envoy-overloaded"u8) >= 0) return false;
        if (response.Find("x-envoy-ratelimited"u8) >= 0) return on.HasFlag(RetryOn.EnvoyRateLimited);
        var status = response.StatusCode;
        if (on.HasFlag(RetryOn.FiveXx) && status is >= 500 and < 600) return true;
        if (on.HasFlag(RetryOn.GatewayError) && status is 502 or 503 or 504) return true;
        if (on.HasFlag(RetryOn.Retriable4xx) && status == 409) return true;
        if (on.HasFlag(RetryOn.RetriableStatusCodes) &&
            (Array.IndexOf(_policy.RetriableStatusCodes, status) >= 0 || _headerStatusCodes.Contains(status)))
        {
            return true;
        }
        return on.HasFlag(RetryOn.RetriableHeaders) && MatchesAny(_policy.RetriableHeaders, response);
    }

    private static bool MatchesAny(HeaderMatcher[] matchers, MessageHead head)
    {
        var view = new MessageHeadView(head);
        foreach (var matcher in matchers)
        {
            if (matcher.Matches(ref view)) return true;
        }
        return false;
    }

    /// <summary><c>x-envoy-retriable-status-codes</c>: comma-separated codes added to the policy's; bad entries are ignored.</summary>
    private void ParseStatusCodes(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var item = value[range].Trim((byte)' ');
            if (Utf8Parser.TryParse(item, out int code, out var used) && used == item.Length && code is >= 100 and <= 599) _headerStatusCodes.Add(code);
        }
    }
}
