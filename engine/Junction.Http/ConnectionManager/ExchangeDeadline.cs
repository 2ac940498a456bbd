using System.Diagnostics;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// How long an exchange may still wait for its upstream: the route timeout, or less when the route's
/// max_stream_duration (or the request's grpc-timeout, where the route honours it) ends sooner, counted
/// from the start of the stream.
/// </summary>
internal static class ExchangeDeadline
{
    private static readonly TimeSpan s_minimum = TimeSpan.FromMilliseconds(1);

    /// <summary>The wait left; null when neither limit applies.</summary>
    public static TimeSpan? Remaining(in RouteOutcome route, MessageHead request, long streamStart) =>
        Combine(route.Timeout, StreamLimit(route, request, streamStart));

    /// <summary>What is left of the stream's max_stream_duration (at least a millisecond), or null.</summary>
    public static TimeSpan? StreamLimit(in RouteOutcome route, MessageHead request, long streamStart)
    {
        if (route.MaxStreamDuration is not { } policy) return null;
        var index = request.Find("grpc-timeout"u8);
        if (policy.For(index >= 0 ? request.Value(index) : default) is not { } limit) return null;
        var left = limit - Stopwatch.GetElapsedTime(streamStart);
        return left < s_minimum ? s_minimum : left;
    }

    private static TimeSpan? Combine(TimeSpan? a, TimeSpan? b) =>
        a is { } x ? (b is { } y && y < x ? y : x) : b;
}
