namespace Junction.Core.Upstream.Health;

/// <summary>What one probe result did to its host's health (Envoy's <c>HealthTransition</c>); it picks the next interval.</summary>
internal enum HealthTransition : byte
{
    /// <summary>The host stays as it was, and no threshold count is under way.</summary>
    Unchanged,

    /// <summary>The host flipped (ejected, or back in the balancer).</summary>
    Changed,

    /// <summary>The result counted towards a threshold that is not reached yet (the host is on an edge).</summary>
    ChangePending,
}
