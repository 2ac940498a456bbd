namespace Junction.Http.Routing;

/// <summary>
/// A route's <c>max_stream_duration</c>: how long a whole stream may last, from the request's start to
/// the response's end, with gRPC's <c>grpc-timeout</c> request header taking over when allowed. Unlike the
/// route timeout, which an endless gRPC stream outlives, this bounds streaming calls too.
/// </summary>
/// <param name="MaxDuration">The limit; null for none.</param>
/// <param name="GrpcTimeoutHeaderMax">
/// When set, a request's <c>grpc-timeout</c> is the limit instead, capped at this (zero: not capped).
/// </param>
/// <param name="GrpcTimeoutHeaderOffset">Subtracted from the <c>grpc-timeout</c> (room for the proxy's own latency).</param>
internal sealed record MaxStreamDuration(TimeSpan? MaxDuration, TimeSpan? GrpcTimeoutHeaderMax, TimeSpan? GrpcTimeoutHeaderOffset)
{
    /// <summary>The limit for one request: its grpc-timeout when the route uses it, else the configured one.</summary>
    public TimeSpan? For(ReadOnlySpan<byte> grpcTimeoutHeader)
    {
        if (GrpcTimeoutHeaderMax is { } cap && TryParseGrpcTimeout(grpcTimeoutHeader, out var requested))
        {
            var limit = requested - (GrpcTimeoutHeaderOffset ?? TimeSpan.Zero);
            if (limit < TimeSpan.FromMilliseconds(1)) limit = TimeSpan.FromMilliseconds(1);
            return cap > TimeSpan.Zero && limit > cap ? cap : limit;
        }
        return MaxDuration is { } max && max > TimeSpan.Zero ? max : null;
    }

    /// <summary>gRPC's TimeoutValue TimeoutUnit: up to 8 digits, then H, M, S, m (ms), u (µs) or n (ns).</summary>
    public static bool TryParseGrpcTimeout(ReadOnlySpan<byte> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9) return false;
        long amount = 0;
        foreach (var digit in value[..^1])
        {
            if (digit is < (byte)'0' or > (byte)'9') return false;
            amount = (amount * 10) + (digit - '0');
        }
        long? ticks = value[^1] switch
        {
            (byte)'H' => amount * TimeSpan.TicksPerHour,
            (byte)'M' => amount * TimeSpan.TicksPerMinute,
            (byte)'S' => amount * TimeSpan.TicksPerSecond,
            (byte)'m' => amount * TimeSpan.TicksPerMillisecond,
            (byte)'u' => amount * TimeSpan.TicksPerMicrosecond,
            (byte)'n' => amount / 100,
            _ => null,
        };
        if (ticks is not { } t) return false;
        timeout = TimeSpan.FromTicks(t);
        return true;
    }
}
