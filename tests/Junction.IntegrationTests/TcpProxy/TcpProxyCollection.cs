namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// The tcp_proxy tests run one at a time: the bulk transfers saturate the CPU, and the timing tests
/// (idle and connect timeouts) should not share it with them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TcpProxyCollection
{
    public const string Name = "TcpProxy";
}
