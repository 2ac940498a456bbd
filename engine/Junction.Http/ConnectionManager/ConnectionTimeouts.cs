using System.Diagnostics;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The connection manager's timeouts in <see cref="Stopwatch"/> ticks, the unit of the activity
/// timestamps the data path records; 0 means disabled. Compiled once per configuration.
/// </summary>
internal readonly record struct ConnectionTimeouts(long StreamIdle, long Request, long RequestHeaders, long ConnectionIdle, long MaxConnectionDuration)
{
    // Far beyond any real deadline, and small enough that timestamp + timeout never overflows.
    private const long Cap = long.MaxValue / 4;

    /// <summary>True when a connection needs a timer at all.</summary>
    public bool AnyEnabled => (StreamIdle | Request | RequestHeaders | ConnectionIdle | MaxConnectionDuration) != 0;

    public static ConnectionTimeouts From(HttpConnectionManagerTimeoutsConfig config) => new(
        Ticks(config.StreamIdle), Ticks(config.Request), Ticks(config.RequestHeaders), Ticks(config.ConnectionIdle), Ticks(config.MaxConnectionDuration));

    private static long Ticks(TimeSpan? timeout)
    {
        if (timeout is not { } value || value <= TimeSpan.Zero) return 0;
        var ticks = value.TotalSeconds * Stopwatch.Frequency;
        return ticks >= Cap ? Cap : Math.Max(1, (long)ticks);
    }
}
