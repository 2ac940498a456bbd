using System.Net.Sockets;
using Junction.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>
/// A peer that stops reading stops the proxy reading from the other peer once the per-connection buffer
/// limits are full: the proxy's memory stays bounded, and nothing is lost when reading resumes.
/// </summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyBackpressureTests(ITestOutputHelper output)
{
    private const long Offered = 256L * 1024 * 1024;

    // Kernel socket buffers on the path (sender, both proxy sockets, receiver) plus the proxy's two 1 MiB
    // pipes stay well under this; without backpressure the proxy would take all of Offered.
    private const long BoundedBytes = 64L * 1024 * 1024;

    private static readonly TimeSpan BulkTimeout = TimeSpan.FromSeconds(30);

    private static string Yaml(ScriptedUpstream upstream) => TcpProxyYaml.Bootstrap(
        upstream.EndPoint,
        clusterFields: "per_connection_buffer_limit_bytes: 1048576",
        listenerFields: "per_connection_buffer_limit_bytes: 1048576");

    [Fact]
    public async Task UpstreamThatStopsReadingStallsTheClientWithoutLosingBytes()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(upstream));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        long accepted = 0;
        var sending = Task.Run(() => SeededData.SendAsync(client, seed: 4, Offered, n => Interlocked.Add(ref accepted, n)));
        var stalledAt = await ProgressStall.WaitAsync(() => Interlocked.Read(ref accepted), sending);

        output.WriteLine($"client stalled after {stalledAt} bytes");
        Assert.True(stalledAt < BoundedBytes, $"the client got {stalledAt} bytes into a proxy whose upstream reads nothing");
        Assert.False(sending.IsCompleted);

        var received = server.ReceiveHashedToEndAsync(BulkTimeout);
        var sent = await sending;
        client.Shutdown(SocketShutdown.Send);
        var (count, hash) = await received;
        Assert.Equal(Offered, count);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(hash));
    }

    [Fact]
    public async Task ClientThatStopsReadingStallsTheUpstreamWithoutLosingBytes()
    {
        await using var upstream = new ScriptedUpstream();
        await using var proxy = await InProcessProxy.StartAsync(Yaml(upstream));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener));
        using var server = await upstream.AcceptAsync();

        long accepted = 0;
        var sending = Task.Run(() => SeededData.SendAsync(server, seed: 5, Offered, n => Interlocked.Add(ref accepted, n)));
        var stalledAt = await ProgressStall.WaitAsync(() => Interlocked.Read(ref accepted), sending);

        output.WriteLine($"upstream stalled after {stalledAt} bytes");
        Assert.True(stalledAt < BoundedBytes, $"the upstream got {stalledAt} bytes into a proxy whose client reads nothing");
        Assert.False(sending.IsCompleted);

        var received = client.ReceiveHashedToEndAsync(BulkTimeout);
        var sent = await sending;
        server.Shutdown(SocketShutdown.Send);
        var (count, hash) = await received;
        Assert.Equal(Offered, count);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(hash));
    }
}
