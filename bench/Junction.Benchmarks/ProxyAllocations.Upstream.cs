using System.Net;
using System.Net.Sockets;

namespace Junction.Benchmarks;

internal static partial class ProxyAllocations
{
    /// <summary>
    /// A minimal keep-alive HTTP/1.1 upstream that answers every request head (bodyless requests only)
    /// with the same pre-encoded response. One blocking thread per connection and one reusable buffer
    /// each: after a connection is set up it allocates nothing, so the process's allocations during a
    /// measurement are the proxy's.
    /// </summary>
    private sealed class FixedResponseUpstream : IDisposable
    {
        public static readonly byte[] Response =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhello, world\n"u8.ToArray();

        private readonly Socket _listener;
        private readonly List<Socket> _connections = new();
        private long _allocated;

        public FixedResponseUpstream()
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
            new Thread(AcceptLoop) { IsBackground = true, Name = "upstream accept" }.Start();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        /// <summary>Bytes allocated by the upstream's connection threads while they served (should stay 0 after the first request).</summary>
        public long AllocatedAfterFirstRequest => Interlocked.Read(ref _allocated);

        private void AcceptLoop()
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = _listener.Accept();
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                connection.NoDelay = true;
                lock (_connections) _connections.Add(connection);
                new Thread(() => Serve(connection)) { IsBackground = true, Name = "upstream connection" }.Start();
            }
        }

        private void Serve(Socket connection)
        {
            var buffer = new byte[16 * 1024];
            // How much of "\r\n\r\n" the bytes so far end with: a request head may arrive in pieces.
            var matched = 0;
            var served = 0L;
            var start = 0L;
            try
            {
                while (true)
                {
                    var n = connection.Receive(buffer);
                    if (n == 0) return;
                    var heads = 0;
                    foreach (var b in buffer.AsSpan(0, n))
                    {
                        matched = b == (matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? matched + 1 : b == '\r' ? 1 : 0;
                        if (matched == 4)
                        {
                            heads++;
                            matched = 0;
                        }
                    }
                    for (var i = 0; i < heads; i++)
                    {
                        connection.Send(Response);
                        if (++served == 1) start = GC.GetAllocatedBytesForCurrentThread();
                    }
                    if (served > 0) Interlocked.Exchange(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - start);
                }
            }
            catch (SocketException)
            {
                // The proxy closed or reset the connection: nothing more to serve on it.
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            lock (_connections)
            {
                foreach (var connection in _connections) connection.Dispose();
            }
        }
    }
}
