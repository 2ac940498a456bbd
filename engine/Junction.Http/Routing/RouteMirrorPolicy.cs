using Junction.Upstream;

namespace Junction.Http.Routing;

/// <summary>
/// One of a route's <c>request_mirror_policies</c>: a copy of each sampled request goes to
/// <see cref="ClusterName"/> as well, and its answer is thrown away.
/// </summary>
internal sealed class RouteMirrorPolicy(string clusterName, int numerator, int denominator, bool appendShadowSuffix)
{
    /// <summary>The mirror cluster's name.</summary>
    public string ClusterName { get; } = clusterName;

    /// <summary>The mirror cluster, resolved once when the router is built.</summary>
    public IUpstreamCluster? Cluster { get; internal set; }

    /// <summary><c>runtime_fraction.default_value</c>: numerator out of <see cref="Denominator"/> (100% when not set).</summary>
    public int Numerator { get; } = numerator;

    /// <summary>100, 10 000 or 1 000 000 (Envoy's <c>FractionalPercent</c> denominators).</summary>
    public int Denominator { get; } = denominator;

    /// <summary>False with <c>disable_shadow_host_suffix_append</c>: the shadow keeps the original Host.</summary>
    public bool AppendShadowSuffix { get; } = appendShadowSuffix;

    /// <summary>Draws whether this request is mirrored.</summary>
    public bool Sample() => Numerator >= Denominator || (Numerator > 0 && Random.Shared.Next(Denominator) < Numerator);
}
