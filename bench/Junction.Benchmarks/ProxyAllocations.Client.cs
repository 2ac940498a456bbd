using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Junction.Benchmarks;

internal static partial class ProxyAllocations
{
    /// <summary>
    /// One keep-alive client connection sending a small GET and reading its response whole before the
    /// next one (one request in flight). Pre-encoded request bytes, one reusable receive buffer and
    /// blocking socket calls on its own thread: it allocates nothing per request.
    /// </summary>
    private sealed class KeepAliveClient : IDisposable
    {
        private static readonly byte[] Request =
            "GET /bench/small HTTP/1.1\r\nhost: bench.example.com\r\nuser-agent: junction-bench\r\naccept: */*\r\n\r\n"u8.ToArray();

        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _buffered;

        public KeepAliveClient(IPEndPoint proxy)
        {
            _socket = new Socket(proxy.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _socket.Connect(proxy);
        }

        /// <summary>Sends <paramref name="count"/> requests, one after another.</summary>
        public void Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                _socket.Send(Request);
                ReadResponse();
            }
        }

        /// <summary>Receives until one whole 200 response (head and Content-Length body) is buffered, then drops it.</summary>
        private void ReadResponse()
        {
            while (true)
            {
                var received = _buffer.AsSpan(0, _buffered);
                var headEnd = received.IndexOf("\r\n\r\n"u8);
                if (headEnd >= 0)
                {
                    var total = headEnd + 4 + ContentLength(received[..headEnd]);
                    if (_buffered >= total)
                    {
                        _buffer.AsSpan(total, _buffered - total).CopyTo(_buffer);
                        _buffered -= total;
                        return;
                    }
                }
                var n = _socket.Receive(_buffer.AsSpan(_buffered));
                if (n == 0) throw new InvalidOperationException("the proxy closed the connection");
                _buffered += n;
            }
        }

        private static int ContentLength(ReadOnlySpan<byte> head)
        {
            if (!head.StartsWith("HTTP/1.1 200 "u8))
            {
                throw new InvalidOperationException("unexpected response: " + Encoding.Latin1.GetString(head));
            }
            while (true)
            {
                var lineEnd = head.IndexOf("\r\n"u8);
                var line = lineEnd < 0 ? head : head[..lineEnd];
                if (line.Length > 15 && Ascii.EqualsIgnoreCase(line[..15], "content-length:"u8) &&
                    Utf8Parser.TryParse(line[15..].Trim((byte)' '), out int length, out _))
                {
                    return length;
                }
                if (lineEnd < 0) throw new InvalidOperationException("response without content-length: " + Encoding.Latin1.GetString(head));
                head = head[(lineEnd + 2)..];
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
