using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream.Outlier;

/// <summary>
/// A cluster's outlier detection (passive health checking), as Envoy does it: a run of consecutive
/// errors ejects a host at once; every <c>interval</c> a sweep returns hosts whose ejection time has
/// passed and ejects those whose success rate or failure percentage stands out. An ejected host carries
/// the <c>FAILED_OUTLIER_CHECK</c> flag, so the cluster leaves it out of load balancing (and counts it as
/// unhealthy for panic). Never more than <c>max_ejection_percent</c> of the hosts are ejected at once.
/// </summary>
/// <remarks>
/// The data path only touches <see cref="HostOutlierMonitor"/> counters; everything else runs under one
/// lock, which is never held while the cluster recomputes its load-balancing view (the cluster calls in
/// with its own lock held when hosts change, so the two locks are only ever taken in that order).
/// </remarks>
internal sealed class OutlierDetector : IDisposable
{
    private readonly string _cluster;
    private readonly OutlierDetectionStats _stats;
    private readonly Action _healthChanged;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly Dictionary<UpstreamHost, HostOutlierMonitor> _monitors = new(ReferenceEqualityComparer.Instance);
    private readonly List<(HostOutlierMonitor Monitor, long Requests, long Successes)> _samples = [];
    private int _ejected;
    private ITimer? _timer;

    /// <param name="cluster">The cluster's name, for logs.</param>
    /// <param name="config">The cluster's <c>outlier_detection</c>.</param>
    /// <param name="stats">The cluster's <c>outlier_detection.*</c> stats.</param>
    /// <param name="healthChanged">Called (without the detector's lock) after hosts were ejected or returned.</param>
    /// <param name="logger">Ejections and returns are logged at information level.</param>
    /// <param name="time">The clock and timer source; tests pass their own and call <see cref="Sweep"/>.</param>
    /// <param name="random">Draws the <c>enforcing_*</c> chances and the ejection jitter.</param>
    public OutlierDetector(string cluster, OutlierDetectionConfig config, OutlierDetectionStats stats, Action healthChanged,
        ILogger logger, TimeProvider? time = null, Random? random = null)
    {
        _cluster = cluster;
        Config = config;
        _stats = stats;
        _healthChanged = healthChanged;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _random = random ?? new Random();
    }

    public OutlierDetectionConfig Config { get; }

    /// <summary>Hosts ejected now.</summary>
    public int EjectedCount
    {
        get { lock (_lock) return _ejected; }
    }

    /// <summary>Starts the interval sweep (warm-up calls it once).</summary>
    public void Start()
    {
        lock (_lock) _timer ??= _time.CreateTimer(static state => ((OutlierDetector)state!).Sweep(), this, Config.Interval, Config.Interval);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>
    /// Follows the cluster's host set: a new host gets a monitor, a removed one loses its monitor (and
    /// its ejection stops counting). Called by the cluster, which holds its own lock.
    /// </summary>
    public void HostsChanged(HostSet hosts)
    {
        lock (_lock)
        {
            var current = new HashSet<UpstreamHost>(hosts.Hosts, ReferenceEqualityComparer.Instance);
            foreach (var (host, monitor) in _monitors.ToList())
            {
                if (current.Contains(host)) continue;
                _monitors.Remove(host);
                host.Outlier = null;
                if (monitor.Ejected) SetEjectedCount(_ejected - 1);
            }
            foreach (var host in hosts.Hosts)
            {
                if (_monitors.ContainsKey(host)) continue;
                var monitor = new HostOutlierMonitor(this, host);
                _monitors.Add(host, monitor);
                host.Outlier = monitor;
            }
        }
    }

    /// <summary>A host's consecutive-error counter reached its threshold (called from the data path).</summary>
    public void OnConsecutiveFailures(HostOutlierMonitor monitor, OutlierEjectionType type)
    {
        bool ejected;
        lock (_lock)
        {
            monitor.ResetConsecutive(type);
            // The host may have left the cluster, or been ejected already, while the result was on its way.
            if (!IsCurrent(monitor) || monitor.Ejected) return;
            _stats.Detected[(int)type].Increment();
            ejected = TryEjectLocked(monitor, type, _time.GetTimestamp());
        }
        if (ejected) _healthChanged();
    }

    /// <summary>
    /// An active health check passed for the host: with <c>successful_active_health_check_uneject_host</c>
    /// (the default) an ejected host returns at once, with its counters cleared.
    /// </summary>
    public void OnActiveHealthCheckPassed(HostOutlierMonitor monitor)
    {
        if (!Config.SuccessfulActiveHealthCheckUnejectHost) return;
        lock (_lock)
        {
            if (!IsCurrent(monitor) || !monitor.Ejected) return;
            UnejectLocked(monitor, "an active health check passed");
        }
        _healthChanged();
    }

    /// <summary>
    /// One interval's work: returns hosts whose ejection time has passed, relaxes the time multiplier of
    /// hosts that stayed in, then runs success-rate and failure-percentage detection on the results
    /// gathered since the last sweep. The timer calls it; tests call it with their own clock.
    /// </summary>
    public void Sweep()
    {
        var changed = false;
        try
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                foreach (var monitor in _monitors.Values)
                {
                    if (monitor.Ejected)
                    {
                        if (_time.GetElapsedTime(monitor.EjectedAt, now) >= monitor.EjectedFor)
                        {
                            UnejectLocked(monitor, "its ejection time passed");
                            changed = true;
                        }
                    }
                    else if (monitor.Backoff > 0)
                    {
                        monitor.Backoff--;
                    }
                }

                _samples.Clear();
                foreach (var monitor in _monitors.Values)
                {
                    var (requests, successes) = monitor.TakeExternalCounts();
                    if (!monitor.Ejected) _samples.Add((monitor, requests, successes));
                }
                changed |= DetectRateOutliersLocked(now, OutlierEjectionType.SuccessRate, Config.EnforcingSuccessRate,
                    OutlierEjectionType.FailurePercentage, Config.EnforcingFailurePercentage);

                if (Config.SplitExternalLocalOriginErrors)
                {
                    _samples.Clear();
                    foreach (var monitor in _monitors.Values)
                    {
                        var (requests, successes) = monitor.TakeLocalOriginCounts();
                        if (!monitor.Ejected) _samples.Add((monitor, requests, successes));
                    }
                    changed |= DetectRateOutliersLocked(now, OutlierEjectionType.LocalOriginSuccessRate, Config.EnforcingLocalOriginSuccessRate,
                        OutlierEjectionType.LocalOriginFailurePercentage, Config.EnforcingFailurePercentageLocalOrigin);
                }
            }
        }
        catch (Exception ex)
        {
            // A timer callback must not throw: the process would end. Log and try again next interval.
            _logger.LogError(ex, "outlier detection sweep of cluster {Cluster} failed", _cluster);
        }
        if (changed) _healthChanged();
    }

    /// <summary>
    /// Success rate: among hosts with at least <c>success_rate_request_volume</c> requests, if there are
    /// at least <c>success_rate_minimum_hosts</c> of them, a host below mean − factor × standard deviation
    /// is an outlier. Failure percentage: among hosts with at least <c>failure_percentage_request_volume</c>,
    /// if at least <c>failure_percentage_minimum_hosts</c>, a host failing at least the threshold is one.
    /// A host found by the first test is not tried against the second.
    /// </summary>
    private bool DetectRateOutliersLocked(long now, OutlierEjectionType rateType, int rateEnforcing, OutlierEjectionType percentType, int percentEnforcing)
    {
        int rateHosts = 0, percentHosts = 0;
        double sum = 0;
        foreach (var (_, requests, successes) in _samples)
        {
            if (requests > 0 && requests >= Config.SuccessRateRequestVolume)
            {
                rateHosts++;
                sum += 100.0 * successes / requests;
            }
            if (requests > 0 && requests >= Config.FailurePercentageRequestVolume) percentHosts++;
        }

        double? rateThreshold = null;
        if (rateHosts > 0 && rateHosts >= Config.SuccessRateMinimumHosts)
        {
            var mean = sum / rateHosts;
            double squares = 0;
            foreach (var (_, requests, successes) in _samples)
            {
                if (requests <= 0 || requests < Config.SuccessRateRequestVolume) continue;
                var deviation = 100.0 * successes / requests - mean;
                squares += deviation * deviation;
            }
            rateThreshold = mean - Config.SuccessRateStdevFactor * Math.Sqrt(squares / rateHosts);
        }
        var percentOn = percentHosts > 0 && percentHosts >= Config.FailurePercentageMinimumHosts;

        var changed = false;
        foreach (var (monitor, requests, successes) in _samples)
        {
            if (requests <= 0 || monitor.Ejected) continue;
            var rate = 100.0 * successes / requests;
            if (rateThreshold is { } threshold && requests >= Config.SuccessRateRequestVolume && rate < threshold)
            {
                _stats.Detected[(int)rateType].Increment();
                changed |= TryEjectLocked(monitor, rateType, now, rateEnforcing);
            }
            else if (percentOn && requests >= Config.FailurePercentageRequestVolume && 100.0 - rate >= Config.FailurePercentageThreshold)
            {
                _stats.Detected[(int)percentType].Increment();
                changed |= TryEjectLocked(monitor, percentType, now, percentEnforcing);
            }
        }
        return changed;
    }

    private bool TryEjectLocked(HostOutlierMonitor monitor, OutlierEjectionType type, long now) =>
        TryEjectLocked(monitor, type, now, type switch
        {
            OutlierEjectionType.Consecutive5xx => Config.EnforcingConsecutive5xx,
            OutlierEjectionType.ConsecutiveGatewayFailure => Config.EnforcingConsecutiveGatewayFailure,
            _ => Config.EnforcingConsecutiveLocalOriginFailure,
        });

    /// <summary>Ejects the host unless that would exceed max_ejection_percent (an overflow) or the enforcing chance says no.</summary>
    private bool TryEjectLocked(HostOutlierMonitor monitor, OutlierEjectionType type, long now, int enforcing)
    {
        // As current Envoy: the limit is strict (a cluster of fewer than ten hosts ejects none at the
        // default 10%) unless always_eject_one_host allows the first ejection regardless.
        var percentAfter = 100.0 * (_ejected + 1) / _monitors.Count;
        if (percentAfter > Config.MaxEjectionPercent && !(Config.AlwaysEjectOneHost && _ejected == 0))
        {
            _stats.Overflow.Increment();
            return false;
        }
        if (enforcing < 100 && (enforcing <= 0 || _random.Next(100) >= enforcing)) return false;

        if (Config.BaseEjectionTime * monitor.Backoff < Config.MaxEjectionTime) monitor.Backoff++;
        var duration = Config.BaseEjectionTime * monitor.Backoff;
        if (duration > Config.MaxEjectionTime) duration = Config.MaxEjectionTime;
        if (Config.MaxEjectionTimeJitter > TimeSpan.Zero)
        {
            duration += TimeSpan.FromTicks(_random.NextInt64(Config.MaxEjectionTimeJitter.Ticks + 1));
        }
        monitor.Ejected = true;
        monitor.EjectedAt = now;
        monitor.EjectedFor = duration;
        monitor.TimesEjected++;
        monitor.Host.SetFailedOutlierCheck(true);
        SetEjectedCount(_ejected + 1);
        _stats.EnforcedTotal.Increment();
        _stats.Enforced[(int)type].Increment();
        _logger.LogInformation("outlier detection: cluster {Cluster} ejected {Host} for {Duration} ({Type}, ejection {Count})",
            _cluster, monitor.Host.Address, duration, OutlierEjectionTypeNames.StatSuffixes[(int)type], monitor.TimesEjected);
        return true;
    }

    private void UnejectLocked(HostOutlierMonitor monitor, string why)
    {
        monitor.Ejected = false;
        monitor.ResetAll();
        monitor.Host.SetFailedOutlierCheck(false);
        SetEjectedCount(_ejected - 1);
        _logger.LogInformation("outlier detection: cluster {Cluster} returned {Host} to service ({Why})", _cluster, monitor.Host.Address, why);
    }

    private void SetEjectedCount(int count)
    {
        _ejected = count;
        _stats.Active.Set(count);
    }

    private bool IsCurrent(HostOutlierMonitor monitor) =>
        _monitors.TryGetValue(monitor.Host, out var current) && ReferenceEquals(current, monitor);
}
