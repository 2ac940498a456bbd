using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="ScriptedHttpUpstream"/> does with one request.</summary>
internal abstract record UpstreamStep
{
    /// <summary>Answers with <paramref name="Status"/>, extra header lines ("name: value") and a text body.</summary>
    public sealed record Respond(int Status, string Body = "", params string[] Headers) : UpstreamStep;

    /// <summary>Resets the connection (RST) without a response.</summary>
    public sealed record Reset : UpstreamStep;

    /// <summary>Never answers; the connection stays open until the proxy closes it.</summary>
    public sealed record Hang : UpstreamStep;

    /// <summary>Answers with <paramref name="Response"/> once <paramref name="Gate"/> completes.</summary>
    public sealed record Gated(TaskCompletionSource Gate, Respond Response) : UpstreamStep;
}

/// <summary>One request as a <see cref="ScriptedHttpUpstream"/> received it.</summary>
internal sealed record ReceivedRequest(string Method, string Target, IReadOnlyList<string> HeaderLines, byte[] Body)
{
    public string BodySha256 => Convert.ToHexString(SHA256.HashData(Body));

    /// <summary>The first value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => HeaderLines
        .Select(line => line.Split(':', 2))
        .Where(parts => parts.Length == 2 && parts[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(parts => parts[1].Trim())
        .FirstOrDefault();
}

/// <summary>
/// A real HTTP/1.1 upstream on 127.0.0.1 port 0 that fails in the pattern a test scripts: each request
/// takes the next <see cref="UpstreamStep"/> (503, a reset, silence, ...), and <see cref="Default"/> once
/// the script is used up. Every response says <c>connection: close</c> and the connection closes after
/// it, so each attempt of the proxy arrives on a new connection and the count of requests is exact.
/// Request bodies (Content-Length or chunked) are read whole and recorded.
/// </summary>
internal sealed class ScriptedHttpUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentQueue<UpstreamStep> _script = new();
    private readonly ConcurrentQueue<Socket> _sockets = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly Task _acceptLoop;
    private int _requests;

    public ScriptedHttpUpstream(params UpstreamStep[] script)
    {
        foreach (var step in script) _script.Enqueue(step);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    /// <summary>What requests get once the script is used up (200 "ok" unless changed).</summary>
    public UpstreamStep Default { get; set; } = new UpstreamStep.Respond(200, "ok");

    /// <summary>Requests whose head arrived so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The requests received whole (head and body), in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Adds steps to the end of the script.</summary>
    public void Then(params UpstreamStep[] steps)
    {
        foreach (var step in steps) _script.Enqueue(step);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        while (_sockets.TryDequeue(out var socket)) socket.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }
            _sockets.Enqueue(socket);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            var stream = new NetworkStream(socket, ownsSocket: false);
            var reader = new RawReader(stream);
            var head = await reader.ReadHeadAsync();
            if (head is null) return;
            Interlocked.Increment(ref _requests);
            var step = _script.TryDequeue(out var next) ? next : Default;
            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var headers = lines.Skip(1).Where(l => l.Length > 0).ToArray();
            var body = await ReadBodyAsync(reader, headers);
            _received.Enqueue(new ReceivedRequest(requestLine[0], requestLine[1], headers, body));

            switch (step)
            {
                case UpstreamStep.Respond respond:
                    await WriteAsync(stream, respond);
                    socket.Shutdown(SocketShutdown.Send);
                    break;
                case UpstreamStep.Gated gated:
                    await gated.Gate.Task;
                    await WriteAsync(stream, gated.Response);
                    socket.Shutdown(SocketShutdown.Send);
                    break;
                case UpstreamStep.Reset:
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                    break;
                case UpstreamStep.Hang:
                    // Until the proxy gives up on this connection.
                    var sink = new byte[1024];
                    while (await stream.ReadAsync(sink) > 0)
                    {
                    }
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The proxy closed or reset the connection: nothing to answer.
        }
    }

    private static async Task<byte[]> ReadBodyAsync(RawReader reader, string[] headers)
    {
        string? Value(string name) => headers.Select(h => h.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
        if (Value("content-length") is { } length) return await reader.ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
        if (Value("transfer-encoding") is not { } te || !te.Contains("chunked", StringComparison.OrdinalIgnoreCase)) return [];
        var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await reader.ReadLineAsync();
            var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                // Trailers, up to the empty line.
                while ((await reader.ReadLineAsync()).Length > 0)
                {
                }
                return body.ToArray();
            }
            body.Write(await reader.ReadExactlyAsync(size));
            await reader.ReadLineAsync();
        }
    }

    private static async Task WriteAsync(NetworkStream stream, UpstreamStep.Respond respond)
    {
        var body = Encoding.UTF8.GetBytes(respond.Body);
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(respond.Status).Append(" Scripted\r\n");
        foreach (var header in respond.Headers) head.Append(header).Append("\r\n");
        head.Append("content-length: ").Append(body.Length).Append("\r\nconnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()).Concat(body).ToArray());
    }

    /// <summary>Reads lines and exact byte counts from a stream, with its own buffer.</summary>
    private sealed class RawReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadHeadAsync()
        {
            var head = new StringBuilder();
            while (true)
            {
                string line;
                try
                {
                    line = await ReadLineAsync();
                }
                catch (EndOfStreamException)
                {
                    return null;
                }
                if (line.Length == 0) return head.ToString();
                head.Append(line).Append("\r\n");
            }
        }

        public async Task<string> ReadLineAsync()
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end) await FillAsync();
                var b = _buffer[_start++];
                if (b == '\n') break;
                if (b != '\r') line.WriteByte(b);
            }
            return Encoding.Latin1.GetString(line.ToArray());
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end) await FillAsync();
                var take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }
            return result;
        }

        private async Task FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer);
            if (_end == 0) throw new EndOfStreamException();
        }
    }
}
