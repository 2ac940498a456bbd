namespace Junction.Http.Routing;

/// <summary>
/// A compiled <c>retry_policy</c> (Envoy's <c>config.route.v3.RetryPolicy</c>) of a route or a virtual
/// host; a route's own policy replaces its virtual host's. Immutable, shared by every request.
/// </summary>
internal sealed class RetryPolicy
{
    /// <summary>Envoy's default <c>retry_back_off.base_interval</c>.</summary>
    public static readonly TimeSpan DefaultBaseInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// The policy of a request that asks for retries with <c>x-envoy-retry-on</c> on a route without a
    /// policy: no conditions of its own, one retry, Envoy's back-off.
    /// </summary>
    public static RetryPolicy HeaderOnly { get; } = new();

    /// <summary>The configured conditions (<c>retry_on</c>).</summary>
    public RetryOn RetryOn { get; init; }

    /// <summary><c>num_retries</c>: retries after the first attempt (default 1).</summary>
    public int NumRetries { get; init; } = 1;

    /// <summary><c>per_try_timeout</c>: how long one attempt may wait for its response head; null for none.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary><c>retry_back_off.base_interval</c>.</summary>
    public TimeSpan BaseInterval { get; init; } = DefaultBaseInterval;

    /// <summary><c>retry_back_off.max_interval</c> (default ten times the base).</summary>
    public TimeSpan MaxInterval { get; init; } = DefaultBaseInterval * 10;

    /// <summary><c>retriable_status_codes</c>, for <see cref="Routing.RetryOn.RetriableStatusCodes"/>.</summary>
    public int[] RetriableStatusCodes { get; init; } = [];

    /// <summary><c>retriable_headers</c>: response header matchers, for <see cref="Routing.RetryOn.RetriableHeaders"/>.</summary>
    public HeaderMatcher[] RetriableHeaders { get; init; } = [];

    /// <summary><c>retriable_request_headers</c>: a request is retried only if it matches one of them (when any are set).</summary>
    public HeaderMatcher[] RetriableRequestHeaders { get; init; } = [];

    /// <summary>The <c>previous_hosts</c> host predicate: a retry avoids the hosts already tried.</summary>
    public bool AvoidPreviousHosts { get; init; }

    /// <summary><c>host_selection_retry_max_attempts</c>: extra picks to find a host the predicate accepts (default 1).</summary>
    public long HostSelectionRetryMaxAttempts { get; init; } = 1;
}
