namespace Junction.Http.Routing;

/// <summary>Reads Envoy's comma-separated <c>retry_on</c> names into <see cref="RetryOn"/>.</summary>
internal static class RetryOnParser
{
    /// <summary>gRPC status conditions: Envoy reads them from grpc-status, which HTTP/1.1 upstreams of Junction do not speak.</summary>
    public static readonly string[] GrpcConditions = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

    /// <summary>One name; <see cref="RetryOn.None"/> when it is not one Junction knows.</summary>
    public static RetryOn ParseOne(ReadOnlySpan<char> name) => name switch
    {
        "5xx" => RetryOn.FiveXx,
        "gateway-error" => RetryOn.GatewayError,
        "reset" => RetryOn.Reset,
        "reset-before-request" => RetryOn.ResetBeforeRequest,
        "connect-failure" => RetryOn.ConnectFailure,
        "retriable-4xx" => RetryOn.Retriable4xx,
        "refused-stream" => RetryOn.RefusedStream,
        "retriable-status-codes" => RetryOn.RetriableStatusCodes,
        "retriable-headers" => RetryOn.RetriableHeaders,
        "envoy-ratelimited" => RetryOn.EnvoyRateLimited,
        _ => RetryOn.None,
    };

    /// <summary>
    /// A request header's list (<c>x-envoy-retry-on</c>): names are trimmed, unknown ones ignored, as
    /// Envoy does with the header.
    /// </summary>
    public static RetryOn ParseHeader(ReadOnlySpan<byte> value)
    {
        Span<char> chars = stackalloc char[64];
        var result = RetryOn.None;
        foreach (var range in value.Split((byte)','))
        {
            var item = value[range].Trim((byte)' ');
            if (item.Length == 0 || item.Length > chars.Length) continue;
            for (var i = 0; i < item.Length; i++) chars[i] = (char)item[i];
            result |= ParseOne(chars[..item.Length]);
        }
        return result;
    }
}
