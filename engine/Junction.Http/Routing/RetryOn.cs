namespace Junction.Http.Routing;

/// <summary>
/// The conditions of Envoy's <c>retry_on</c> (and the <c>x-envoy-retry-on</c> request header) that
/// HTTP/1.1 upstreams can meet. A failed attempt is retried when any set condition matches it.
/// </summary>
[Flags]
internal enum RetryOn : ushort
{
    None = 0,

    /// <summary><c>5xx</c>: any 5xx response, or no response at all (reset, connect failure, per-try timeout).</summary>
    FiveXx = 1 << 0,

    /// <summary><c>gateway-error</c>: 502, 503 or 504, or no response at all.</summary>
    GatewayError = 1 << 1,

    /// <summary><c>reset</c>: no response at all (reset, close, connect failure, per-try timeout).</summary>
    Reset = 1 << 2,

    /// <summary><c>reset-before-request</c>: reset before the request was sent (HTTP/1.1: a connect failure).</summary>
    ResetBeforeRequest = 1 << 3,

    /// <summary><c>connect-failure</c>: the connection to the host could not be opened (or timed out).</summary>
    ConnectFailure = 1 << 4,

    /// <summary><c>retriable-4xx</c>: 409 Conflict.</summary>
    Retriable4xx = 1 << 5,

    /// <summary><c>refused-stream</c>: an HTTP/2 REFUSED_STREAM; an HTTP/1.1 upstream never sends one.</summary>
    RefusedStream = 1 << 6,

    /// <summary><c>retriable-status-codes</c>: a status in <c>retriable_status_codes</c> or <c>x-envoy-retriable-status-codes</c>.</summary>
    RetriableStatusCodes = 1 << 7,

    /// <summary><c>retriable-headers</c>: a response matching one of <c>retriable_headers</c>.</summary>
    RetriableHeaders = 1 << 8,

    /// <summary><c>envoy-ratelimited</c>: a response carrying <c>x-envoy-ratelimited</c>.</summary>
    EnvoyRateLimited = 1 << 9,
}
