using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>An in-process proxy whose listener "http" sends every request to one cluster of one upstream.</summary>
internal static class PeerProxy
{
    /// <summary>
    /// Starts the proxy with a catch-all route to <paramref name="cluster"/> at 127.0.0.1:<paramref name="port"/>.
    /// <paramref name="routeTimeout"/> is the route's <c>timeout</c> ("0s" turns it off for bulk transfers
    /// that may outlast the 15 s default on a loaded machine).
    /// </summary>
    public static Task<InProcessProxy> StartAsync(string cluster, int port, string routeTimeout = "15s") =>
        InProcessProxy.StartAsync(HttpProxyFixture.Config(
            [$"{{ match: {{ prefix: \"/\" }}, route: {{ cluster: {cluster}, timeout: {routeTimeout} }} }}"],
            new Dictionary<string, int> { [cluster] = port }));

    public static string Url(this InProcessProxy proxy, string pathAndQuery) =>
        $"http://127.0.0.1:{proxy.Listener("http").Port}{pathAndQuery}";
}
