using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// Probes one host on its own timer until stopped, and moves the host's health by Envoy's rules: the
/// first result decides at once; after that a healthy host is ejected by an explicit failure or by
/// <c>unhealthy_threshold</c> consecutive network (or retriable) failures, and an unhealthy host returns
/// after <c>healthy_threshold</c> consecutive successes. The wait before the next probe follows Envoy: the
/// <c>no_traffic_interval</c>s until the cluster has had traffic, then <c>interval</c>, or
/// <c>unhealthy_interval</c> after a failure, or an edge interval while a threshold count is under way.
/// </summary>
internal sealed class HostHealthSession
{
    private readonly UpstreamHost _host;
    private readonly HealthCheckConfig _config;
    private readonly IHealthProbe _probe;
    private readonly HealthCheckStats _stats;
    private readonly Action _healthChanged;
    private readonly ILogger _logger;
    private readonly CancellationToken _traffic;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstProbe = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private bool _checkedOnce;
    private Task _loop = Task.CompletedTask;

    /// <param name="traffic">Cancelled once the cluster has had traffic (never, for tests that do not care).</param>
    public HostHealthSession(UpstreamHost host, HealthCheckConfig config, IHealthProbe probe, HealthCheckStats stats, Action healthChanged, ILogger logger,
        CancellationToken traffic = default)
    {
        _traffic = traffic;
        _host = host;
        _config = config;
        _probe = probe;
        _stats = stats;
        _healthChanged = healthChanged;
        _logger = logger;
    }

    /// <summary>Completes when the first probe has a result (or the session stopped first).</summary>
    public Task FirstProbe => _firstProbe.Task;

    /// <summary>Starts probing at once, then every interval (plus jitter).</summary>
    public void Start() => _loop = RunAsync();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        // Off the caller's thread: the first connect must not run inside configuration warm-up's lock.
        await Task.Yield();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await ProbeOnceAsync().ConfigureAwait(false);
                var transition = Apply(result);
                _firstProbe.TrySetResult();
                await WaitForNextProbeAsync(result == HealthProbeResult.Success, transition).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            _firstProbe.TrySetResult();
        }
    }

    private async Task<HealthProbeResult> ProbeOnceAsync()
    {
        _stats.Attempt.Increment();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_config.Timeout);
        try
        {
            return await _probe.ProbeAsync(_host.Address, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return HealthProbeResult.NetworkFailure;
        }
    }

    /// <summary>Moves the host's health by one probe result (the loop calls it; tests call it directly).</summary>
    internal HealthTransition Apply(HealthProbeResult result)
    {
        var first = !_checkedOnce;
        _checkedOnce = true;
        if (result == HealthProbeResult.Success)
        {
            _stats.Success.Increment();
            _consecutiveFailures = 0;
            _consecutiveSuccesses++;
            if (_host.Outlier is { } outlier) outlier.OnActiveHealthCheckPassed();
            if (_host.FailedActiveHealthCheck && (first || _consecutiveSuccesses >= _config.HealthyThreshold))
            {
                // The first result counts alone, so a restarted proxy does not wait healthy_threshold
                // intervals before sending traffic (Envoy does the same).
                Flip(failed: false);
                return HealthTransition.Changed;
            }
            return _host.FailedActiveHealthCheck ? HealthTransition.ChangePending : HealthTransition.Unchanged;
        }

        _stats.Failure.Increment();
        if (result == HealthProbeResult.NetworkFailure) _stats.NetworkFailure.Increment();
        _consecutiveSuccesses = 0;
        _consecutiveFailures++;
        if (_host.FailedActiveHealthCheck) return HealthTransition.Unchanged;
        if (first || result == HealthProbeResult.Failure || _consecutiveFailures >= _config.UnhealthyThreshold)
        {
            Flip(failed: true);
            return HealthTransition.Changed;
        }
        return HealthTransition.ChangePending;
    }

    private void Flip(bool failed)
    {
        _host.SetFailedActiveHealthCheck(failed);
        _consecutiveFailures = 0;
        _consecutiveSuccesses = 0;
        _logger.LogInformation("health check: {Host} is now {State}", _host.Address, failed ? "unhealthy" : "healthy");
        _healthChanged();
    }

    /// <summary>
    /// Waits before the next probe. While the cluster has had no traffic the wait is a no-traffic interval,
    /// cut short when traffic starts (Envoy lets it run out; a minute-long wait would then delay the switch):
    /// the next probe then comes one regular interval after the traffic did.
    /// </summary>
    private async Task WaitForNextProbeAsync(bool succeeded, HealthTransition transition)
    {
        while (!_traffic.IsCancellationRequested)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _traffic);
            try
            {
                await Task.Delay(WithJitter(BaseInterval(hadTraffic: false, succeeded, transition)), either.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                // Traffic started: wait again, at the traffic intervals.
            }
        }
        await Task.Delay(WithJitter(BaseInterval(hadTraffic: true, succeeded, transition)), _stop.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Envoy's choice of interval after a probe: without traffic, <c>no_traffic_healthy_interval</c> after a
    /// success that leaves the host healthy, else <c>no_traffic_interval</c>; with traffic, by the probe's
    /// result and whether it left a threshold count under way (an edge).
    /// </summary>
    internal TimeSpan BaseInterval(bool hadTraffic, bool succeeded, HealthTransition transition)
    {
        var intervals = _config.Intervals;
        if (!hadTraffic)
        {
            return succeeded && transition != HealthTransition.ChangePending ? intervals.NoTrafficHealthy : intervals.NoTraffic;
        }
        if (succeeded) return transition == HealthTransition.ChangePending ? intervals.HealthyEdge : intervals.Interval;
        return transition == HealthTransition.ChangePending ? intervals.UnhealthyEdge : intervals.Unhealthy;
    }

    private TimeSpan WithJitter(TimeSpan interval)
    {
        if (_config.IntervalJitter <= TimeSpan.Zero) return interval;
        return interval + TimeSpan.FromTicks(Random.Shared.NextInt64(_config.IntervalJitter.Ticks + 1));
    }
}
