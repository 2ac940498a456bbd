using System.Diagnostics;

namespace Junction.Host.Admin;

/// <summary>
/// What admin reports and changes about the process as a whole: whether it is live or draining,
/// whether it fails health checks on purpose, how long it has run, and the way to ask it to shut down.
/// </summary>
internal sealed class ServerState(Action<string> requestShutdown)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private volatile bool _draining;
    private volatile bool _healthCheckFailed;

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    /// <summary>True once shutdown has begun (a signal or <c>/quitquitquit</c>); never goes back.</summary>
    public bool IsDraining => _draining;

    /// <summary>Set by <c>POST /healthcheck/fail</c>, cleared by <c>POST /healthcheck/ok</c>.</summary>
    public bool HealthCheckFailed
    {
        get => _healthCheckFailed;
        set => _healthCheckFailed = value;
    }

    /// <summary>
    /// Envoy's server state: <c>LIVE</c>, or <c>DRAINING</c> while shutting down or failing health
    /// checks on purpose (Envoy reports a failed health check as draining too).
    /// </summary>
    public string StateName => IsLive ? "LIVE" : "DRAINING";

    public bool IsLive => !_draining && !_healthCheckFailed;

    public void MarkDraining() => _draining = true;

    /// <summary>Starts the same graceful shutdown as SIGTERM; <paramref name="reason"/> is logged.</summary>
    public void RequestShutdown(string reason) => requestShutdown(reason);
}
