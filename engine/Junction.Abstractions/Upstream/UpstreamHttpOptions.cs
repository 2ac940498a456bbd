namespace Junction.Upstream;

/// <summary>
/// How a cluster's HTTP connections are reused (Envoy's <c>HttpProtocolOptions.common_http_protocol_options</c>
/// under <c>typed_extension_protocol_options</c>).
/// </summary>
/// <param name="IdleTimeout">A pooled connection idle this long is closed; null never closes it. Envoy's default is one hour.</param>
/// <param name="MaxRequestsPerConnection">A connection is closed after this many requests; null is no limit.</param>
public sealed record UpstreamHttpOptions(TimeSpan? IdleTimeout, int? MaxRequestsPerConnection)
{
    /// <summary>
    /// Set when the cluster speaks HTTP/2 (cleartext, prior knowledge): Envoy's
    /// <c>explicit_http_config.http2_protocol_options</c>, or the cluster's legacy <c>http2_protocol_options</c>.
    /// Null for HTTP/1.1.
    /// </summary>
    public UpstreamHttp2Options? Http2 { get; init; }

    /// <summary>Envoy's defaults: one hour idle, no request limit.</summary>
    public static UpstreamHttpOptions Default { get; } = new(TimeSpan.FromHours(1), null);
}

/// <summary>How the proxy uses HTTP/2 connections to a cluster's hosts.</summary>
/// <param name="MaxConcurrentStreams">Streams per connection at most (the host's own SETTINGS may allow fewer).</param>
/// <param name="InitialStreamWindowSize">The receive window per stream: response bytes the host may send before the client reads them.</param>
/// <param name="InitialConnectionWindowSize">The receive window of a connection.</param>
public sealed record UpstreamHttp2Options(int MaxConcurrentStreams, int InitialStreamWindowSize, int InitialConnectionWindowSize)
{
    /// <summary>Junction's defaults: windows that bound what one stream can make the proxy hold (Envoy's are 256 MiB).</summary>
    public static UpstreamHttp2Options Default { get; } = new(1024, 1024 * 1024, 4 * 1024 * 1024);
}
