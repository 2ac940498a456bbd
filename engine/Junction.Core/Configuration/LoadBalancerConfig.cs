namespace Junction.Core.Configuration;

/// <summary>
/// A cluster's load-balancing settings beyond <c>lb_policy</c>: <c>common_lb_config</c> and the
/// policy's own <c>*_lb_config</c>. Each field has Envoy's default.
/// </summary>
/// <param name="HealthyPanicThreshold">Percent of healthy hosts below which health is ignored (0 turns panic off).</param>
/// <param name="MinimumRingSize">RING_HASH: the fewest entries on the ring.</param>
/// <param name="MaximumRingSize">RING_HASH: the most entries on the ring.</param>
/// <param name="MaglevTableSize">MAGLEV: the lookup table's size, a prime.</param>
/// <param name="ChoiceCount">LEAST_REQUEST: hosts drawn per pick when weights are equal.</param>
/// <param name="ActiveRequestBias">LEAST_REQUEST: how strongly active requests lower a host's weight when weights differ.</param>
internal sealed record LoadBalancerConfig(
    double HealthyPanicThreshold,
    int MinimumRingSize,
    int MaximumRingSize,
    int MaglevTableSize,
    int ChoiceCount,
    double ActiveRequestBias)
{
    public static LoadBalancerConfig Default { get; } = new(50, 1024, 8 * 1024 * 1024, 65537, 2, 1.0);
}
