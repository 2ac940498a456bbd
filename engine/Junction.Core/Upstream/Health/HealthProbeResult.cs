namespace Junction.Core.Upstream.Health;

/// <summary>The outcome of one health probe, which decides how the host's health moves.</summary>
internal enum HealthProbeResult
{
    /// <summary>The host answered as expected.</summary>
    Success,

    /// <summary>
    /// The host answered, but not as expected (an HTTP status outside <c>expected_statuses</c>): a host that
    /// says it is unwell is ejected at once, without waiting for <c>unhealthy_threshold</c>, as in Envoy.
    /// </summary>
    Failure,

    /// <summary>An HTTP status in <c>retriable_statuses</c>: a failure that counts towards <c>unhealthy_threshold</c>.</summary>
    RetriableFailure,

    /// <summary>No usable answer: refused, reset, closed early, malformed, or timed out. Counts towards <c>unhealthy_threshold</c>.</summary>
    NetworkFailure,
}
