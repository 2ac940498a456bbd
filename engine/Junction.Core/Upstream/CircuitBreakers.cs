using Junction.Core.Configuration;
using Junction.Stats;
using Junction.Upstream;

namespace Junction.Core.Upstream;

/// <summary>
/// A cluster's circuit breakers at one priority (Envoy's resource manager; a cluster has one for DEFAULT and
/// one for HIGH): connections, requests waiting for a connection, requests in flight and retries in flight,
/// each a counter with a limit.
/// A resource is taken with <c>TryEnter*</c>, which fails without taking it at the limit, and given back
/// with the matching <c>Exit*</c>.
/// </summary>
/// <remarks>
/// Counters are updated with interlocked operations only; the open and remaining gauges are set after
/// each change, so under contention they may lag a change or two behind (as Envoy's per-worker view does).
/// With a <c>retry_budget</c>, the retry limit is a share of the requests in flight and pending, computed
/// each time a retry asks, and never below <c>min_retry_concurrency</c>.
/// </remarks>
internal sealed class CircuitBreakers
{
    private readonly CircuitBreakerConfig _config;
    private readonly Gauge _connectionsOpen;
    private readonly Gauge _pendingOpen;
    private readonly Gauge _requestsOpen;
    private readonly Gauge _retriesOpen;
    private readonly Gauge? _remainingConnections;
    private readonly Gauge? _remainingPending;
    private readonly Gauge? _remainingRequests;
    private readonly Gauge? _remainingRetries;
    private int _connections;
    private int _pending;
    private int _requests;
    private int _retries;

    /// <summary>
    /// Creates the breakers; gauges go in <paramref name="clusterScope"/> as <c>circuit_breakers.default.*</c>
    /// or <c>circuit_breakers.high.*</c>, as Envoy names them.
    /// </summary>
    public CircuitBreakers(CircuitBreakerConfig config, IStatsScope clusterScope, RoutingPriority priority = RoutingPriority.Default)
    {
        _config = config;
        Priority = priority;
        var scope = clusterScope.Scope("circuit_breakers").Scope(priority == RoutingPriority.High ? "high" : "default");
        _connectionsOpen = scope.Gauge("cx_open");
        _pendingOpen = scope.Gauge("rq_pending_open");
        _requestsOpen = scope.Gauge("rq_open");
        _retriesOpen = scope.Gauge("rq_retry_open");
        if (config.TrackRemaining)
        {
            _remainingConnections = scope.Gauge("remaining_cx");
            _remainingPending = scope.Gauge("remaining_pending");
            _remainingRequests = scope.Gauge("remaining_rq");
            _remainingRetries = scope.Gauge("remaining_retries");
            _remainingConnections.Set(config.MaxConnections);
            _remainingPending.Set(config.MaxPendingRequests);
            _remainingRequests.Set(config.MaxRequests);
            _remainingRetries.Set(MaxRetries());
        }
    }

    /// <summary>The priority whose thresholds these are.</summary>
    public RoutingPriority Priority { get; }

    /// <summary>The thresholds.</summary>
    public CircuitBreakerConfig Config => _config;

    /// <summary>True while a connection may be opened.</summary>
    public bool HasConnectionSlot => Volatile.Read(ref _connections) < _config.MaxConnections;

    /// <summary>Takes a connection slot (<c>max_connections</c>).</summary>
    public bool TryEnterConnection() => TryEnter(ref _connections, _config.MaxConnections, _connectionsOpen, _remainingConnections);

    /// <summary>Gives a connection slot back.</summary>
    public void ExitConnection() => Exit(ref _connections, _config.MaxConnections, _connectionsOpen, _remainingConnections);

    /// <summary>Takes a place among the requests waiting for a connection (<c>max_pending_requests</c>).</summary>
    public bool TryEnterPending() => TryEnter(ref _pending, _config.MaxPendingRequests, _pendingOpen, _remainingPending);

    /// <summary>Leaves the pending requests.</summary>
    public void ExitPending() => Exit(ref _pending, _config.MaxPendingRequests, _pendingOpen, _remainingPending);

    /// <summary>Takes a place among the requests in flight (<c>max_requests</c>).</summary>
    public bool TryEnterRequest() => TryEnter(ref _requests, _config.MaxRequests, _requestsOpen, _remainingRequests);

    /// <summary>Leaves the requests in flight.</summary>
    public void ExitRequest() => Exit(ref _requests, _config.MaxRequests, _requestsOpen, _remainingRequests);

    /// <summary>Takes a place among the retries in flight (<c>max_retries</c>, or the retry budget).</summary>
    public bool TryEnterRetry() => TryEnter(ref _retries, MaxRetries(), _retriesOpen, _remainingRetries);

    /// <summary>Leaves the retries in flight.</summary>
    public void ExitRetry() => Exit(ref _retries, MaxRetries(), _retriesOpen, _remainingRetries);

    /// <summary>The retry limit now: <c>max_retries</c>, or the budget's share of the requests in flight and pending.</summary>
    private int MaxRetries()
    {
        if (_config.RetryBudget is not { } budget) return _config.MaxRetries;
        var active = Volatile.Read(ref _requests) + Volatile.Read(ref _pending);
        return Math.Max((int)(budget.BudgetPercent / 100 * active), budget.MinRetryConcurrency);
    }

    private static bool TryEnter(ref int count, int max, Gauge open, Gauge? remaining)
    {
        var now = Interlocked.Increment(ref count);
        if (now > max)
        {
            Interlocked.Decrement(ref count);
            return false;
        }
        Publish(now, max, open, remaining);
        return true;
    }

    private static void Exit(ref int count, int max, Gauge open, Gauge? remaining) =>
        Publish(Interlocked.Decrement(ref count), max, open, remaining);

    private static void Publish(int count, int max, Gauge open, Gauge? remaining)
    {
        open.Set(count >= max ? 1 : 0);
        remaining?.Set(Math.Max(0, max - count));
    }
}
