namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// The real-peer tests (nginx, curl, wrk, 100 MB bodies) run one at a time and after every parallel
/// collection: wrk and the bulk transfers fill both cores, and other tests' timeouts should not share
/// them with it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HttpPeersCollection
{
    public const string Name = "HttpPeers";
}
