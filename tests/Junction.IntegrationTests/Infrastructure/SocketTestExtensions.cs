using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>How a peer ended a connection, as seen by the side reading it.</summary>
internal enum PeerClose
{
    /// <summary>An orderly FIN: a read returned 0.</summary>
    EndOfStream,

    /// <summary>A TCP reset.</summary>
    Reset,
}

/// <summary>
/// Client-side socket steps for tests, each with a deadline so a broken proxy fails the test instead of
/// hanging it. Timeouts surface as <see cref="TimeoutException"/> saying what was awaited.
/// </summary>
internal static class SocketTestExtensions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A connected loopback client socket with Nagle off.</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(endPoint, cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    public static async Task SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }

    /// <summary>Sends one byte through an echoing path and asserts the same byte comes back.</summary>
    public static async Task AssertEchoesAsync(this Socket socket, byte value)
    {
        await socket.SendAllAsync(new[] { value });
        Assert.Equal(new[] { value }, await socket.ReceiveExactlyAsync(1));
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; throws <see cref="EndOfStreamException"/> if the peer ends first.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count, TimeSpan? timeout = null)
    {
        var buffer = new byte[count];
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        var read = 0;
        while (read < count)
        {
            var received = await ReceiveAsync(socket, buffer.AsMemory(read), cts, limit, $"{count} bytes");
            if (received == 0) throw new EndOfStreamException($"the connection ended after {read} of {count} bytes");
            read += received;
        }
        return buffer;
    }

    /// <summary>Reads until the peer's FIN and returns everything read; a reset throws.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        using var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var received = await ReceiveAsync(socket, buffer, cts, limit, "the end of the stream");
            if (received == 0) return all.ToArray();
            all.Write(buffer, 0, received);
        }
    }

    /// <summary>
    /// Reads until the peer's FIN, hashing as it goes, and returns the byte count and SHA-256.
    /// <paramref name="onReceived"/> hears of each read.
    /// </summary>
    public static async Task<(long Count, byte[] Sha256)> ReceiveHashedToEndAsync(this Socket socket, TimeSpan timeout, Action<int>? onReceived = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[SeededData.ChunkSize];
        long total = 0;
        while (true)
        {
            var received = await ReceiveAsync(socket, buffer, cts, timeout, $"the end of the stream ({total} bytes so far)");
            if (received == 0) return (total, hash.GetHashAndReset());
            hash.AppendData(buffer, 0, received);
            total += received;
            onReceived?.Invoke(received);
        }
    }

    /// <summary>
    /// Reads (and discards) until the peer ends the connection, and says how it ended. Throws
    /// <see cref="TimeoutException"/> when it is still open after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<PeerClose> WaitForCloseAsync(this Socket socket, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        var buffer = new byte[16 * 1024];
        try
        {
            while (await ReceiveAsync(socket, buffer, cts, limit, "the peer to close the connection") > 0)
            {
            }
            return PeerClose.EndOfStream;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return PeerClose.Reset;
        }
    }

    /// <summary>Closes with a TCP reset (SO_LINGER on with a zero timeout) instead of a FIN.</summary>
    public static void Reset(this Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    private static async Task<int> ReceiveAsync(Socket socket, Memory<byte> buffer, CancellationTokenSource cts, TimeSpan limit, string what)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#}s waiting for {what}");
        }
    }
}
