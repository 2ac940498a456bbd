namespace Junction.Upstream;

/// <summary>
/// How a cluster's HTTP connections are reused (Envoy's <c>HttpProtocolOptions.common_http_protocol_options</c>
/// under <c>typed_extension_protocol_options</c>).
/// </summary>
/// <param name="IdleTimeout">A pooled connection idle this long is closed; null never closes it. Envoy's default is one hour.</param>
/// <param name="MaxRequestsPerConnection">A connection is closed after this many requests; null is no limit.</param>
public sealed record UpstreamHttpOptions(TimeSpan? IdleTimeout, int? MaxRequestsPerConnection)
{
    /// <summary>Envoy's defaults: one hour idle, no request limit.</summary>
    public static UpstreamHttpOptions Default { get; } = new(TimeSpan.FromHours(1), null);
}
