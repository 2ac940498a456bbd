using Junction.Stats;

namespace Junction.Filters.Fault;

/// <summary>Envoy's fault filter stats, under the connection manager's <c>http.&lt;stat_prefix&gt;.fault.</c>.</summary>
internal sealed class FaultStats(IStatsScope scope)
{
    /// <summary>Requests delayed.</summary>
    public Counter DelaysInjected { get; } = scope.Counter("delays_injected");

    /// <summary>Requests aborted.</summary>
    public Counter AbortsInjected { get; } = scope.Counter("aborts_injected");

    /// <summary>Faults not injected because <c>max_active_faults</c> were already active.</summary>
    public Counter FaultsOverflow { get; } = scope.Counter("faults_overflow");

    /// <summary>Requests with a fault in progress now.</summary>
    public Gauge ActiveFaults { get; } = scope.Gauge("active_faults");
}
