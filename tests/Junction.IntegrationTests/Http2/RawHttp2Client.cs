using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Junction.Http.Http2;
using Junction.Http.Http2.Hpack;

namespace Junction.IntegrationTests.Http2;

/// <summary>
/// An HTTP/2 client that sends exactly the frames a test asks for, well-formed or not, over a real
/// socket: for protocol violations and abuse that no well-behaved client library would produce.
/// </summary>
internal sealed class RawHttp2Client : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly HpackEncoder _encoder = new();
    private readonly Http2FrameReader _reader = new(isServer: false) { MaxFrameSize = Http2FrameHeader.MaxLength, EnablePush = false };
    private readonly ArrayBufferWriter<byte> _output = new();
    // Every response header block is decoded in order, which keeps this table in step with the proxy's encoder.
    private readonly HpackDecoder _decoder = new(4096, 1 << 20);
    private byte[] _input = new byte[64 * 1024];
    private int _inputLength;

    private RawHttp2Client(Socket socket) => _socket = socket;

    /// <summary>Connects, sends the preface and an empty SETTINGS frame, and acknowledges the server's.</summary>
    public static async Task<RawHttp2Client> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        var client = new RawHttp2Client(socket);
        Http2FrameWriter.WriteClientPreface(client._output);
        Http2FrameWriter.WriteSettings(client._output, [new(Http2SettingsParameter.EnablePush, 0)]);
        Http2FrameWriter.WriteSettingsAck(client._output);
        await client.FlushAsync();
        return client;
    }

    /// <summary>A HEADERS frame for a request (pseudo-headers first), with any extra fields as given.</summary>
    public Task SendRequestAsync(int streamId, string path, bool endStream, params (string Name, string Value)[] extra)
    {
        var block = Block([(":method", endStream ? "GET" : "POST"), (":scheme", "http"), (":authority", "proxy.test"), (":path", path), .. extra]);
        Http2FrameWriter.WriteHeaders(_output, streamId, block, endStream, Http2Settings.DefaultMaxFrameSize);
        return FlushAsync();
    }

    /// <summary>Encodes fields with this client's HPACK encoder (its dynamic table persists across blocks).</summary>
    public byte[] Block(params (string Name, string Value)[] fields)
    {
        var block = new ArrayBufferWriter<byte>();
        _encoder.BeginHeaderBlock(block);
        foreach (var (name, value) in fields) _encoder.EncodeField(block, System.Text.Encoding.ASCII.GetBytes(name), System.Text.Encoding.ASCII.GetBytes(value));
        return block.WrittenSpan.ToArray();
    }

    /// <summary>Writes a frame with any type, flags, stream and payload.</summary>
    public Task SendFrameAsync(Http2FrameType type, Http2Flags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var header = new byte[Http2FrameHeader.Size];
        new Http2FrameHeader(payload.Length, type, flags, streamId).Write(header);
        _output.Write(header);
        _output.Write(payload);
        return FlushAsync();
    }

    /// <summary>Sends bytes as they are (many frames in one write).</summary>
    public Task SendRawAsync(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        return FlushAsync();
    }

    public Task SendDataAsync(int streamId, ReadOnlySpan<byte> data, bool endStream) =>
        SendFrameAsync(Http2FrameType.Data, endStream ? Http2Flags.EndStream : 0, streamId, data);

    public Task SendRstStreamAsync(int streamId, Http2ErrorCode code)
    {
        Http2FrameWriter.WriteRstStream(_output, streamId, code);
        return FlushAsync();
    }

    /// <summary>Reads frames until <paramref name="match"/> accepts one (returned), or the connection closes (null).</summary>
    public async Task<ReceivedFrame?> ReadUntilAsync(Func<ReceivedFrame, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var frame = await ReadFrameAsync(deadline.Token);
            if (frame is null || match(frame)) return frame;
        }
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<ReceivedFrame?> ReadFrameAsync(CancellationToken token)
    {
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(_input, 0, _inputLength);
            var result = _reader.Read(ref buffer, out var frame, out var error);
            if (result == Http2FrameReadResult.Error) throw new InvalidOperationException($"the proxy sent a bad frame: {error}");
            if (result == Http2FrameReadResult.Frame)
            {
                List<(string, string)>? fields = null;
                if (frame.Type == Http2FrameType.Headers)
                {
                    var collector = new FieldCollector(fields = []);
                    _decoder.Decode(frame.GetFieldBlockFragment(), ref collector);
                }
                var received = new ReceivedFrame(frame.Type, frame.Header.Flags, frame.StreamId, frame.Payload.ToArray(), fields);
                var consumed = _inputLength - (int)buffer.Length;
                Buffer.BlockCopy(_input, consumed, _input, 0, _inputLength - consumed);
                _inputLength -= consumed;
                return received;
            }
            if (_inputLength == _input.Length) Array.Resize(ref _input, _input.Length * 2);
            int read;
            try
            {
                read = await _socket.ReceiveAsync(_input.AsMemory(_inputLength), SocketFlags.None, token);
            }
            catch (SocketException)
            {
                return null;
            }
            if (read == 0) return null;
            _inputLength += read;
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            await _socket.SendAsync(_output.WrittenMemory, SocketFlags.None);
        }
        catch (SocketException)
        {
            // The proxy closed the connection: the test reads what it sent before.
        }
        _output.ResetWrittenCount();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly struct FieldCollector(List<(string, string)> fields) : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex) =>
            fields.Add((System.Text.Encoding.Latin1.GetString(name), System.Text.Encoding.Latin1.GetString(value)));
    }
}

/// <summary>A frame the proxy sent, copied out.</summary>
internal sealed record ReceivedFrame(Http2FrameType Type, Http2Flags Flags, int StreamId, byte[] Payload, List<(string Name, string Value)>? Fields)
{
    /// <summary>The :status of a response HEADERS frame.</summary>
    public int Status => int.Parse(Fields!.First(f => f.Name == ":status").Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The error code of a RST_STREAM or GOAWAY frame.</summary>
    public Http2ErrorCode ErrorCode => Type switch
    {
        Http2FrameType.RstStream => (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload),
        Http2FrameType.GoAway => (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(4)),
        _ => throw new InvalidOperationException($"{Type} has no error code"),
    };

}
