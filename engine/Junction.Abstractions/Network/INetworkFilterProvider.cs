namespace Junction.Network;

/// <summary>
/// A filter's compiled configuration: built once per configuration load by an
/// <see cref="INetworkFilterFactory"/>, then asked for fresh filter instances for every connection.
/// Everything that depends only on configuration (resolved clusters, stats, formatters) lives here.
/// </summary>
public interface INetworkFilterProvider
{
    /// <summary>Adds this filter's per-connection instances to <paramref name="chain"/>.</summary>
    void CreateFilters(INetworkFilterChainBuilder chain);
}
