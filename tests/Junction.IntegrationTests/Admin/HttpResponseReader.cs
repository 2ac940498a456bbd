using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Junction.IntegrationTests.Admin;

/// <summary>
/// Reads HTTP/1.1 responses from a socket one at a time, framed by Content-Length, keeping bytes that
/// arrive early for the next response (so pipelined and keep-alive exchanges can be checked exactly).
/// Every read has a deadline.
/// </summary>
internal sealed class HttpResponseReader(Socket socket)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private readonly List<byte> _buffered = new();

    /// <summary>Reads the next response; for a response to HEAD, no body is read whatever Content-Length says.</summary>
    public async Task<AdminReply> ReadAsync(bool headRequest = false)
    {
        int end;
        while ((end = IndexOfHeaderEnd()) < 0)
        {
            if (!await FillAsync()) throw new EndOfStreamException("the connection ended before a complete response head:\n" + Encoding.Latin1.GetString(_buffered.ToArray()));
        }
        var head = Encoding.Latin1.GetString(_buffered.GetRange(0, end).ToArray());
        _buffered.RemoveRange(0, end + 4);

        var lines = head.Split("\r\n");
        var statusLine = lines[0];
        var status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var length = headRequest || status is < 200 or 204 or 304
            ? 0
            : int.Parse(headers["Content-Length"], CultureInfo.InvariantCulture);
        while (_buffered.Count < length)
        {
            if (!await FillAsync()) throw new EndOfStreamException($"the connection ended after {_buffered.Count} of {length} body bytes");
        }
        var body = Encoding.UTF8.GetString(_buffered.GetRange(0, length).ToArray());
        _buffered.RemoveRange(0, length);
        return new AdminReply(statusLine, status, headers, body);
    }

    /// <summary>True when the peer has closed (FIN) and no byte is left unread; waits for it with a deadline.</summary>
    public async Task<bool> PeerClosedAsync()
    {
        if (_buffered.Count > 0) return false;
        try
        {
            return !await FillAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false;
        }
    }

    /// <summary>Bytes already received but not yet part of a response.</summary>
    public int Buffered => _buffered.Count;

    private int IndexOfHeaderEnd()
    {
        for (var i = 0; i + 3 < _buffered.Count; i++)
        {
            if (_buffered[i] == '\r' && _buffered[i + 1] == '\n' && _buffered[i + 2] == '\r' && _buffered[i + 3] == '\n') return i;
        }
        return -1;
    }

    private async Task<bool> FillAsync()
    {
        var chunk = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(s_timeout);
        int read;
        try
        {
            read = await socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no byte from the admin server within {s_timeout.TotalSeconds}s");
        }
        _buffered.AddRange(chunk.AsSpan(0, read).ToArray());
        return read > 0;
    }
}
