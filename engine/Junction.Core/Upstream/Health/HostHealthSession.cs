using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// Probes one host on its own timer until stopped, and moves the host's health by Envoy's rules: the
/// first result decides at once; after that a healthy host is ejected by an explicit failure or by
/// <c>unhealthy_threshold</c> consecutive network (or retriable) failures, and an unhealthy host returns
/// after <c>healthy_threshold</c> consecutive successes.
/// </summary>
internal sealed class HostHealthSession
{
    private readonly UpstreamHost _host;
    private readonly HealthCheckConfig _config;
    private readonly IHealthProbe _probe;
    private readonly HealthCheckStats _stats;
    private readonly Action _healthChanged;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstProbe = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private bool _checkedOnce;
    private Task _loop = Task.CompletedTask;

    public HostHealthSession(UpstreamHost host, HealthCheckConfig config, IHealthProbe probe, HealthCheckStats stats, Action healthChanged, ILogger logger)
    {
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
                Apply(result);
                _firstProbe.TrySetResult();
                await Task.Delay(NextInterval(), _stop.Token).ConfigureAwait(false);
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
    internal void Apply(HealthProbeResult result)
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
            }
            return;
        }

        _stats.Failure.Increment();
        if (result == HealthProbeResult.NetworkFailure) _stats.NetworkFailure.Increment();
        _consecutiveSuccesses = 0;
        _consecutiveFailures++;
        if (!_host.FailedActiveHealthCheck && (first || result == HealthProbeResult.Failure || _consecutiveFailures >= _config.UnhealthyThreshold))
        {
            Flip(failed: true);
        }
    }

    private void Flip(bool failed)
    {
        _host.SetFailedActiveHealthCheck(failed);
        _consecutiveFailures = 0;
        _consecutiveSuccesses = 0;
        _logger.LogInformation("health check: {Host} is now {State}", _host.Address, failed ? "unhealthy" : "healthy");
        _healthChanged();
    }

    private TimeSpan NextInterval()
    {
        if (_config.IntervalJitter <= TimeSpan.Zero) return _config.Interval;
        return _config.Interval + TimeSpan.FromTicks(Random.Shared.NextInt64(_config.IntervalJitter.Ticks + 1));
    }
}
