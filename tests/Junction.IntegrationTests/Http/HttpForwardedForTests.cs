using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Http;

/// <summary>
/// The client address the access log reports, per use_remote_address and xff_num_trusted_hops, next to
/// the connection's own peer (%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%).
/// </summary>
[Collection("Http")]
public sealed class HttpForwardedForTests
{
    [Theory]
    [InlineData("", "203.0.113.1")]
    [InlineData("xff_num_trusted_hops: 1", "203.0.113.10")]
    [InlineData("use_remote_address: true", "127.0.0.1")]
    [InlineData("use_remote_address: true\nxff_num_trusted_hops: 1", "203.0.113.1")]
    [InlineData("xff_num_trusted_hops: 5", "127.0.0.1")]
    public async Task TheLoggedClientFollowsEnvoysRules(string hcmFields, string expectedClient)
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        var log = Path.Combine(Path.GetTempPath(), $"junction-xff-{Guid.NewGuid():N}.log");
        try
        {
            await using var proxy = await InProcessProxy.StartAsync(HttpProxyFixture.Config(
                ["{ match: { prefix: \"/\" }, route: { cluster: web } }"], new Dictionary<string, int> { ["web"] = upstream.Port }, hcmFields,
                accessLogPath: log, accessLogFormat: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%"));
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Listener("http").Port}") };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("x-forwarded-for", "203.0.113.128, 203.0.113.10, 203.0.113.1");
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();

            await Eventually.AssertAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 1, "an access log line");
            Assert.Equal($"{expectedClient} 127.0.0.1", File.ReadAllLines(log)[0]);
        }
        finally
        {
            File.Delete(log);
        }
    }
}
