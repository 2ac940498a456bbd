using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.Core.Configuration;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// Envoy's HTTP health check over HTTP/1.1: <c>GET path</c> with <c>Connection: close</c> on a new
/// connection; the status code decides. Junction.Core cannot use the HTTP parser (Junction.Http depends
/// on Core, not the other way), and a probe needs only the status line, so it reads that line strictly
/// itself: <c>HTTP/1.x NNN</c>, then drains the rest of the response so the host sees a clean close.
/// </summary>
internal sealed class HttpHealthProbe : IHealthProbe
{
    /// <summary>A status line longer than this is malformed (a network failure).</summary>
    private const int MaxStatusLine = 8 * 1024;

    /// <summary>After the status line, at most this much of the response is read and discarded.</summary>
    private const int MaxDrainBytes = 64 * 1024;

    private readonly HttpHealthCheckConfig _config;
    private readonly byte[] _request;

    /// <param name="config">The probe's settings.</param>
    /// <param name="clusterName">The Host header when the config names none, as in Envoy.</param>
    public HttpHealthProbe(HttpHealthCheckConfig config, string clusterName)
    {
        _config = config;
        // Everything in the request comes from validated configuration, so it is built once.
        var head = new StringBuilder();
        head.Append("GET ").Append(config.Path).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(config.Host ?? clusterName).Append("\r\n");
        head.Append("User-Agent: Junction/HC\r\n");
        foreach (var (name, value) in config.RequestHeaders) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("Connection: close\r\n\r\n");
        _request = Encoding.UTF8.GetBytes(head.ToString());
    }

    public async ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken)
    {
        using var socket = await ProbeConnection.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        if (socket is null) return HealthProbeResult.NetworkFailure;
        var buffer = ArrayPool<byte>.Shared.Rent(MaxStatusLine);
        try
        {
            await socket.SendAsync(_request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var length = 0;
            int status;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length, MaxStatusLine - length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0) return HealthProbeResult.NetworkFailure;
                length += read;
                var lineEnd = buffer.AsSpan(0, length).IndexOf("\r\n"u8);
                if (lineEnd >= 0)
                {
                    status = ParseStatusLine(buffer.AsSpan(0, lineEnd));
                    break;
                }
                if (length == MaxStatusLine) return HealthProbeResult.NetworkFailure;
            }
            if (status < 0) return HealthProbeResult.NetworkFailure;
            await DrainAsync(socket, buffer, cancellationToken).ConfigureAwait(false);
            return Classify(status);
        }
        catch (SocketException)
        {
            return HealthProbeResult.NetworkFailure;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private HealthProbeResult Classify(int status)
    {
        foreach (var range in _config.ExpectedStatuses)
        {
            if (range.Contains(status)) return HealthProbeResult.Success;
        }
        foreach (var range in _config.RetriableStatuses)
        {
            if (range.Contains(status)) return HealthProbeResult.RetriableFailure;
        }
        return HealthProbeResult.Failure;
    }

    /// <summary>
    /// The status code of <c>HTTP/1.0 200 OK</c> or <c>HTTP/1.1 503</c> (the reason phrase may be empty),
    /// or -1 when the line is anything else.
    /// </summary>
    internal static int ParseStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[7] is not ((byte)'0' or (byte)'1') || line[8] != (byte)' ') return -1;
        var code = 0;
        for (var i = 9; i < 12; i++)
        {
            if (!char.IsAsciiDigit((char)line[i])) return -1;
            code = code * 10 + (line[i] - '0');
        }
        if (code < 100 || (line.Length > 12 && line[12] != (byte)' ')) return -1;
        return code;
    }

    /// <summary>Reads until the host closes (it was asked to), bounded, ignoring errors: the status decided already.</summary>
    private static async ValueTask DrainAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        try
        {
            while (total < MaxDrainBytes)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(0, MaxStatusLine), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0) return;
                total += read;
            }
        }
        catch (SocketException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The drain ran into the check's timeout: the status already decided; do not turn it into a failure.
        }
    }
}
