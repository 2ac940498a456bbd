using System.Net.Sockets;
using System.Text.Json;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.TcpProxy;

/// <summary>tcp_proxy's access_log writes one line per connection, once it has closed, in the configured format.</summary>
[Collection(TcpProxyCollection.Name)]
public sealed class TcpProxyAccessLogTests : IDisposable
{
    private const string FileLoggerType = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
    private const string TextFormat = "%UPSTREAM_CLUSTER% %BYTES_RECEIVED% %BYTES_SENT% %RESPONSE_FLAGS% %UPSTREAM_HOST%";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"junction-tcp-access-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task TextFormatRecordsClusterBytesFlagsAndUpstreamHost()
    {
        await using var echo = new TcpEchoServer();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint, tcpProxy: TextLog()));

        using (var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener)))
        {
            await client.SendAllAsync("hello"u8.ToArray());
            await client.ReceiveExactlyAsync(5);
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await client.ReceiveToEndAsync());
        }

        var line = Assert.Single(await WaitForLinesAsync(1));
        Assert.Equal($"up 5 5 - {echo.EndPoint}", line);
    }

    [Fact]
    public async Task TextFormatFlagsRefusedUpstreamAsUF()
    {
        using var refusing = new RefusingEndPoint();
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(refusing.EndPoint, tcpProxy: TextLog()));

        using (var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener)))
        {
            await client.WaitForCloseAsync();
        }

        var line = Assert.Single(await WaitForLinesAsync(1));
        Assert.Equal($"up 0 0 UF {refusing.EndPoint}", line);
    }

    [Fact]
    public async Task JsonFormatWritesOneObjectPerConnectionWithNumericBytes()
    {
        await using var echo = new TcpEchoServer();
        var json = "{ cluster: \"%UPSTREAM_CLUSTER%\", rx: \"%BYTES_RECEIVED%\", tx: \"%BYTES_SENT%\", flags: \"%RESPONSE_FLAGS%\", host: \"%UPSTREAM_HOST%\" }";
        await using var proxy = await InProcessProxy.StartAsync(TcpProxyYaml.Bootstrap(echo.EndPoint,
            tcpProxy: $"access_log: [ {{ name: envoy.access_loggers.file, typed_config: {{ \"@type\": {FileLoggerType}, path: \"{_path}\", log_format: {{ json_format: {json} }} }} }} ]"));

        using (var client = await SocketTestExtensions.ConnectAsync(proxy.Listener(TcpProxyYaml.Listener)))
        {
            await client.SendAllAsync("hello"u8.ToArray());
            await client.ReceiveExactlyAsync(5);
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await client.ReceiveToEndAsync());
        }

        var line = Assert.Single(await WaitForLinesAsync(1));
        using var entry = JsonDocument.Parse(line);
        var root = entry.RootElement;
        Assert.Equal("up", root.GetProperty("cluster").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("rx").ValueKind);
        Assert.Equal(5, root.GetProperty("rx").GetInt64());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("tx").ValueKind);
        Assert.Equal(5, root.GetProperty("tx").GetInt64());
        Assert.Equal("-", root.GetProperty("flags").GetString());
        Assert.Equal(echo.EndPoint.ToString(), root.GetProperty("host").GetString());
    }

    private string TextLog() =>
        $"access_log: [ {{ name: envoy.access_loggers.file, typed_config: {{ \"@type\": {FileLoggerType}, path: \"{_path}\", " +
        $"log_format: {{ text_format_source: {{ inline_string: \"{TextFormat}\\n\" }} }} }} }} ]";

    /// <summary>Waits until the log holds <paramref name="count"/> complete lines and returns them.</summary>
    private async Task<string[]> WaitForLinesAsync(int count)
    {
        var lines = Array.Empty<string>();
        await Eventually.AssertAsync(() =>
        {
            lines = ReadCompleteLines();
            return lines.Length >= count;
        }, $"{count} access log line(s) in {_path}");
        return lines;
    }

    private string[] ReadCompleteLines()
    {
        if (!File.Exists(_path)) return Array.Empty<string>();
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // A line still being written has no newline yet; leave it for the next look.
        var end = text.LastIndexOf('\n');
        return end < 0 ? Array.Empty<string>() : text[..end].Split('\n');
    }
}
