namespace Junction.Upstream;

/// <summary>
/// A route's <c>priority</c> (Envoy's <c>RoutingPriority</c>): which of a cluster's two sets of circuit
/// breakers, and which of its connection pools, a request uses.
/// </summary>
public enum RoutingPriority : byte
{
    /// <summary>The cluster's <c>DEFAULT</c> thresholds (every route unless it says otherwise).</summary>
    Default,

    /// <summary>The cluster's <c>HIGH</c> thresholds: a separate budget, so that overflow at DEFAULT does not stop these requests.</summary>
    High,
}
