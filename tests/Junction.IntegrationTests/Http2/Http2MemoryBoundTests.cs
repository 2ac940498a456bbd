using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Junction.Http.Http2;
using Junction.IntegrationTests.Infrastructure;
using Junction.IntegrationTests.ProcessTests;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// Memory stays bounded under an HTTP/2 client that sends without ever reading, checked on the real
/// process's resident memory: every request makes the proxy write frames (its response head, or
/// RST_STREAM once max_concurrent_streams are open), so a proxy that kept reading while its answers
/// queued would grow with the flood.
/// </summary>
[Collection("Http")]
public sealed class Http2MemoryBoundTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Sent without a reply from the proxy being read: well past every kernel buffer between the two.
    private const long FloodLimit = 256L * 1024 * 1024;
    private const long AllowedGrowth = 64L * 1024 * 1024;

    private const string Config = """
        static_resources:
          listeners:
          - name: h2
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: flood
                  codec_type: HTTP2
                  http2_protocol_options: { max_concurrent_streams: 100 }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        direct_response: { status: 200, body: { inline_string: "a body no window lets through" } }
        """;

    [Fact]
    public async Task AClientThatNeverReadsStopsBeingReadAndMemoryStaysBounded()
    {
        using var directory = new TempConfigDirectory();
        await using var junction = JunctionProcess.Start("-c", directory.Write("flood.yaml", Config));
        var listener = await junction.WaitForListenerAsync("h2");
        var before = ResidentBytes(junction.Id);

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(listener);
        // The preface and SETTINGS with a zero initial window: no stream can finish its response.
        var preface = new byte[24 + 9 + 6];
        Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").CopyTo(preface, 0);
        new Http2FrameHeader(6, Http2FrameType.Settings, 0, 0).Write(preface.AsSpan(24));
        BinaryPrimitives.WriteUInt16BigEndian(preface.AsSpan(33), 0x4); // SETTINGS_INITIAL_WINDOW_SIZE
        BinaryPrimitives.WriteUInt32BigEndian(preface.AsSpan(35), 0);
        await socket.SendAsync(preface);

        // Requests for streams 1, 3, 5... in batches, until a batch is not taken within 3 s: the proxy
        // stopped reading because its own answers cannot go out.
        var streamId = 1;
        long sent = preface.Length;
        var batch = new byte[4096 * RequestSize];
        var stalled = false;
        while (sent < FloodLimit)
        {
            for (var i = 0; i < 4096; i++, streamId += 2) WriteRequest(batch.AsSpan(i * RequestSize), streamId);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await socket.SendAsync(batch, SocketFlags.None, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                stalled = true;
                break;
            }
            sent += batch.Length;
        }

        var after = ResidentBytes(junction.Id);
        output.WriteLine($"{sent / 1024} KiB of requests taken before the proxy stopped reading; resident memory {before / 1024} -> {after / 1024} KiB");
        Assert.True(stalled, $"the proxy read all {sent / (1024 * 1024)} MiB of a client that never reads");
        Assert.True(after - before < AllowedGrowth,
            $"resident memory grew from {before / (1024 * 1024)} to {after / (1024 * 1024)} MiB while {sent / (1024 * 1024)} MiB of requests were read");
        Assert.False(junction.HasExited, "junction exited under the flood");
    }

    // HEADERS (END_STREAM | END_HEADERS) with a header block of static-table fields only, so every
    // copy decodes alike: :method GET, :scheme http, :path /, and :authority "x" as a literal.
    private static readonly byte[] s_requestBlock = [0x82, 0x86, 0x84, 0x01, 0x01, (byte)'x'];
    private static int RequestSize => Http2FrameHeader.Size + s_requestBlock.Length;

    private static void WriteRequest(Span<byte> destination, int streamId)
    {
        new Http2FrameHeader(s_requestBlock.Length, Http2FrameType.Headers, Http2Flags.EndStream | Http2Flags.EndHeaders, streamId).Write(destination);
        s_requestBlock.CopyTo(destination[Http2FrameHeader.Size..]);
    }

    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
            return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }
}
