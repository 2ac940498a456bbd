namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// Waits for a stat of an <see cref="InProcessProxy"/> to reach a value. Stats settle a little after the
/// socket event a test sees (a connection's counters are added as its close finishes), so tests wait for
/// them with a deadline; a timeout reports the value last seen.
/// </summary>
internal static class StatsAssert
{
    public static Task CounterReachesAsync(this InProcessProxy proxy, string name, long expected, TimeSpan? timeout = null) =>
        ReachesAsync(() => proxy.Counter(name), "counter", name, expected, timeout);

    public static Task GaugeReachesAsync(this InProcessProxy proxy, string name, long expected, TimeSpan? timeout = null) =>
        ReachesAsync(() => proxy.Gauge(name), "gauge", name, expected, timeout);

    private static async Task ReachesAsync(Func<long> read, string kind, string name, long expected, TimeSpan? timeout)
    {
        try
        {
            await Eventually.AssertAsync(() => read() == expected, $"{kind} {name} == {expected}", timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} (last value {read()})", ex);
        }
    }
}
