using Junction.Stats;

namespace Junction.Core.Upstream.Outlier;

/// <summary>A cluster's <c>cluster.&lt;name&gt;.outlier_detection.*</c> stats, resolved once.</summary>
internal sealed class OutlierDetectionStats
{
    public OutlierDetectionStats(IStatsScope scope)
    {
        EnforcedTotal = scope.Counter("ejections_enforced_total");
        Active = scope.Gauge("ejections_active");
        Overflow = scope.Counter("ejections_overflow");
        Enforced = new Counter[OutlierEjectionTypeNames.Count];
        Detected = new Counter[OutlierEjectionTypeNames.Count];
        for (var i = 0; i < OutlierEjectionTypeNames.Count; i++)
        {
            Enforced[i] = scope.Counter("ejections_enforced_" + OutlierEjectionTypeNames.StatSuffixes[i]);
            Detected[i] = scope.Counter("ejections_detected_" + OutlierEjectionTypeNames.StatSuffixes[i]);
        }
    }

    /// <summary>Ejections that took effect, of any type.</summary>
    public Counter EnforcedTotal { get; }

    /// <summary>Hosts ejected now.</summary>
    public Gauge Active { get; }

    /// <summary>Ejections refused because <c>max_ejection_percent</c> of the hosts were ejected already.</summary>
    public Counter Overflow { get; }

    /// <summary>Ejections that took effect, by <see cref="OutlierEjectionType"/>.</summary>
    public Counter[] Enforced { get; }

    /// <summary>Outliers found, enforced or not, by <see cref="OutlierEjectionType"/>.</summary>
    public Counter[] Detected { get; }
}
