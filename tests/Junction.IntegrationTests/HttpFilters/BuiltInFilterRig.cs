using Junction.Configuration;
using Junction.HttpFilters;
using Junction.IntegrationTests.Http;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpFilters;

/// <summary>
/// A proxy with HTTP filters in front of the router (stat prefix <c>ingress</c>), a Kestrel upstream as the
/// cluster <c>web</c>, and an HttpClient pointed at the listener.
/// </summary>
internal sealed class BuiltInFilterRig : IAsyncDisposable
{
    public const string WebRoute = "{ match: { prefix: \"/\" }, route: { cluster: web } }";

    public required KestrelUpstream Upstream { get; init; }

    public required InProcessProxy Proxy { get; init; }

    public required HttpClient Client { get; init; }

    public static async Task<BuiltInFilterRig> StartAsync(string[] filters, string[]? routes = null, IHttpFilterFactory[]? factories = null, string hcmFields = "")
    {
        var upstream = await KestrelUpstream.StartAsync("web");
        var yaml = HttpProxyFixture.Config(routes ?? [WebRoute], new Dictionary<string, int> { ["web"] = upstream.Port }, hcmFields, httpFilters: filters);
        var proxy = await InProcessProxy.StartAsync(yaml, factories ?? []);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
        return new BuiltInFilterRig { Upstream = upstream, Proxy = proxy, Client = client };
    }

    /// <summary>The configuration errors a filter entry gets, as one message (the proxy must refuse to start).</summary>
    public static async Task<string> ConfigErrorsAsync(string[] filters, string[]? routes = null)
    {
        var yaml = HttpProxyFixture.Config(routes ?? [WebRoute], new Dictionary<string, int> { ["web"] = 1 }, httpFilters: filters);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessProxy.StartAsync(yaml));
        return error.Message;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

/// <summary>A built-in factory registered under another name (and no type URL), so a test can use a variant built with test seams.</summary>
internal sealed class RenamedFilterFactory(string name, IHttpFilterFactory inner) : IHttpFilterFactory
{
    public string Name => name;

    public IReadOnlyList<string> Aliases => [];

    public IReadOnlyList<string> TypeUrls => [];

    public IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context) =>
        inner.Create(typedConfig, entry, context);

    public object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context) => inner.BindRouteConfig(config, context);
}
