using Junction.Filters.Buffer;
using Junction.Filters.DirectResponse;
using Junction.Filters.Fault;
using Junction.Filters.LocalRateLimit;
using Junction.Filters.TcpProxy;
using Junction.HttpFilters;
using Junction.Network;

namespace Junction.Filters;

/// <summary>The filters that ship with Junction. The host registers these explicitly, by name.</summary>
public static class BuiltInFilters
{
    /// <summary>New instances of every built-in network filter factory.</summary>
    public static IReadOnlyList<INetworkFilterFactory> NetworkFilters() => new INetworkFilterFactory[]
    {
        new TcpProxyFactory(),
        new DirectResponseFactory(),
        new NetworkLocalRateLimitFactory(),
    };

    /// <summary>New instances of every built-in HTTP filter factory (the router is the connection manager's own).</summary>
    public static IReadOnlyList<IHttpFilterFactory> HttpFilters() => new IHttpFilterFactory[]
    {
        new BufferFactory(),
        new FaultFactory(),
        new HttpLocalRateLimitFactory(),
    };
}
