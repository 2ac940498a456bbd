using Junction.Network;
using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>Gives every admin connection its <see cref="AdminFilter"/>.</summary>
internal sealed class AdminFilterProvider(AdminServer server, ILogger logger) : INetworkFilterProvider
{
    public void CreateFilters(INetworkFilterChainBuilder chain) => chain.AddReadFilter(new AdminFilter(server, logger));
}
