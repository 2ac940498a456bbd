using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>One entry of a cluster's <c>health_checks</c>: how often to probe each host and when to flip its health.</summary>
/// <param name="Timeout">A probe that has not finished after this long fails (as a network failure).</param>
/// <param name="Interval">Time between the end of one probe of a host and the start of the next.</param>
/// <param name="IntervalJitter">Up to this much is added to each interval at random, so probes of many hosts spread out.</param>
/// <param name="UnhealthyThreshold">Consecutive network failures (or retriable HTTP statuses) that mark a healthy host unhealthy.</param>
/// <param name="HealthyThreshold">Consecutive successes that mark an unhealthy host healthy again.</param>
/// <param name="Http">Set for an HTTP probe.</param>
/// <param name="Tcp">Set for a TCP probe.</param>
internal sealed record HealthCheckConfig(
    TimeSpan Timeout,
    TimeSpan Interval,
    TimeSpan IntervalJitter,
    int UnhealthyThreshold,
    int HealthyThreshold,
    HttpHealthCheckConfig? Http,
    TcpHealthCheckConfig? Tcp,
    ConfigMap Node)
{
    private readonly HealthCheckIntervals? _intervals;

    /// <summary>The intervals by traffic and health; Envoy's defaults from <see cref="Interval"/> unless bound.</summary>
    public HealthCheckIntervals Intervals
    {
        get => _intervals ?? HealthCheckIntervals.Defaults(Interval);
        init => _intervals = value;
    }
}

/// <summary>
/// Envoy's health check intervals besides <c>interval</c>, with its defaults: the wait before a host's next
/// probe depends on whether the cluster has had traffic, and on what the last probe did to the host.
/// </summary>
/// <param name="Interval"><c>interval</c>: a healthy host's probes once the cluster has had traffic.</param>
/// <param name="NoTraffic"><c>no_traffic_interval</c> (60 s): every probe while the cluster has had no traffic.</param>
/// <param name="NoTrafficHealthy"><c>no_traffic_healthy_interval</c> (<c>no_traffic_interval</c>): a healthy host's probes then.</param>
/// <param name="Unhealthy"><c>unhealthy_interval</c> (<c>interval</c>): after a failed probe that did not start a transition.</param>
/// <param name="UnhealthyEdge"><c>unhealthy_edge_interval</c> (<c>unhealthy_interval</c>): after a failure that moved a healthy host towards ejection without ejecting it.</param>
/// <param name="HealthyEdge"><c>healthy_edge_interval</c> (<c>interval</c>): after a success that moved an unhealthy host towards recovery without completing it.</param>
internal sealed record HealthCheckIntervals(
    TimeSpan Interval, TimeSpan NoTraffic, TimeSpan NoTrafficHealthy, TimeSpan Unhealthy, TimeSpan UnhealthyEdge, TimeSpan HealthyEdge)
{
    /// <summary>Envoy's default <c>no_traffic_interval</c>.</summary>
    public static readonly TimeSpan DefaultNoTraffic = TimeSpan.FromSeconds(60);

    /// <summary>The intervals when only <c>interval</c> is configured.</summary>
    public static HealthCheckIntervals Defaults(TimeSpan interval) =>
        new(interval, DefaultNoTraffic, DefaultNoTraffic, interval, interval, interval);
}

/// <summary><c>http_health_check</c>: a GET whose response status decides the host's health.</summary>
/// <param name="Path">The request path.</param>
/// <param name="Host">The Host header; null sends the cluster's name, as Envoy does.</param>
/// <param name="ExpectedStatuses">Statuses that count as success; Envoy's default is 200 only.</param>
/// <param name="RetriableStatuses">Statuses that count as a failure towards <c>unhealthy_threshold</c> instead of ejecting at once.</param>
/// <param name="RequestHeaders">Extra request headers, in order.</param>
internal sealed record HttpHealthCheckConfig(
    string Path,
    string? Host,
    IReadOnlyList<StatusRange> ExpectedStatuses,
    IReadOnlyList<StatusRange> RetriableStatuses,
    IReadOnlyList<KeyValuePair<string, string>> RequestHeaders);

/// <summary>A half-open range of HTTP statuses, <c>[Start, End)</c>, as Envoy's <c>Int64Range</c>.</summary>
internal readonly record struct StatusRange(int Start, int End)
{
    public bool Contains(int status) => status >= Start && status < End;
}

/// <summary>
/// <c>tcp_health_check</c>: connect, write <paramref name="Send"/>, then find every block of
/// <paramref name="Receive"/> in the reply, in order (not necessarily adjacent). Both empty is a connect-only probe.
/// </summary>
internal sealed record TcpHealthCheckConfig(byte[] Send, IReadOnlyList<byte[]> Receive);
