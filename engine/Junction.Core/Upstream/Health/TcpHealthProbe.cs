using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Junction.Core.Configuration;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// Envoy's TCP health check: connect, write the <c>send</c> bytes, then read until every <c>receive</c>
/// block has been seen in order (blocks need not be adjacent). No <c>receive</c> blocks means connecting
/// (and sending) is enough. The peer closing before every block was seen is a failure.
/// </summary>
internal sealed class TcpHealthProbe(TcpHealthCheckConfig config) : IHealthProbe
{
    /// <summary>A reply longer than this without all expected blocks fails, so a chatty peer cannot grow memory.</summary>
    private const int MaxReplyBytes = 64 * 1024;

    public async ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken)
    {
        using var socket = await ProbeConnection.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        if (socket is null) return HealthProbeResult.NetworkFailure;
        try
        {
            if (config.Send.Length > 0) await socket.SendAsync(config.Send, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (config.Receive.Count == 0) return HealthProbeResult.Success;

            var reply = ArrayPool<byte>.Shared.Rent(MaxReplyBytes);
            try
            {
                var length = 0;
                while (length < MaxReplyBytes)
                {
                    var read = await socket.ReceiveAsync(reply.AsMemory(length, MaxReplyBytes - length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    if (read == 0) return HealthProbeResult.NetworkFailure;
                    length += read;
                    if (ContainsInOrder(reply.AsSpan(0, length), config.Receive)) return HealthProbeResult.Success;
                }
                return HealthProbeResult.NetworkFailure;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(reply);
            }
        }
        catch (SocketException)
        {
            return HealthProbeResult.NetworkFailure;
        }
    }

    /// <summary>True when each block occurs in <paramref name="reply"/> after the end of the one before.</summary>
    internal static bool ContainsInOrder(ReadOnlySpan<byte> reply, IReadOnlyList<byte[]> blocks)
    {
        foreach (var block in blocks)
        {
            var at = reply.IndexOf(block);
            if (at < 0) return false;
            reply = reply[(at + block.Length)..];
        }
        return true;
    }
}
