namespace Junction.Http.ConnectionManager;

/// <summary>
/// The connection manager's timeouts as configured; null means disabled (<c>0s</c>, or not set where
/// Envoy has no default).
/// </summary>
/// <param name="StreamIdle"><c>stream_idle_timeout</c>: an exchange with no bytes either way for this long is ended (default 300 s).</param>
/// <param name="Request"><c>request_timeout</c>: the whole request must arrive within this, from its first byte.</param>
/// <param name="RequestHeaders"><c>request_headers_timeout</c>: the request head must arrive within this, from its first byte.</param>
/// <param name="ConnectionIdle"><c>common_http_protocol_options.idle_timeout</c>: a connection with no exchange for this long is closed (default 1 h).</param>
/// <param name="MaxConnectionDuration"><c>common_http_protocol_options.max_connection_duration</c>: after this, the connection closes once idle.</param>
internal sealed record HttpConnectionManagerTimeoutsConfig(
    TimeSpan? StreamIdle,
    TimeSpan? Request,
    TimeSpan? RequestHeaders,
    TimeSpan? ConnectionIdle,
    TimeSpan? MaxConnectionDuration);
