using System.Net;

namespace Junction.Core.Upstream.Health;

/// <summary>One kind of active health check (HTTP, TCP): probes a host once over a new connection.</summary>
internal interface IHealthProbe
{
    /// <summary>
    /// Probes <paramref name="address"/>. Expected failures are results; cancellation (the check's timeout
    /// or the checker stopping) ends the probe with <see cref="OperationCanceledException"/>.
    /// </summary>
    ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken);
}
