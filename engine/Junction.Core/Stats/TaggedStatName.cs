namespace Junction.Core.Stats;

/// <summary>
/// A stat name with its tag taken out, the way Envoy's tag extractors see it:
/// <c>cluster.backend.upstream_cx_total</c> is <c>cluster.upstream_cx_total</c> with the tag
/// <c>envoy_cluster_name</c> = <c>backend</c>.
/// </summary>
/// <param name="Name">The name without the tag value (the full name when there is no tag).</param>
/// <param name="TagName">The tag's name, e.g. <c>envoy_cluster_name</c>; null when no tag applies.</param>
/// <param name="TagValue">The tag's value, e.g. <c>backend</c>; null when no tag applies.</param>
/// <param name="Pattern">The full name with the value replaced by <c>&lt;TagName&gt;</c>, for help text.</param>
internal readonly record struct TaggedStatName(string Name, string? TagName, string? TagValue, string Pattern);
