using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// Deterministic pseudo-random bytes (xorshift64*): the same seed gives the same stream however it is cut
/// into chunks, and it is generated chunk by chunk, so a transfer of hundreds of megabytes never needs
/// them in memory.
/// </summary>
internal sealed class SeededData
{
    public const int ChunkSize = 64 * 1024;

    private ulong _state;
    private ulong _word;
    private int _wordBytesLeft;

    public SeededData(int seed, long length)
    {
        // xorshift needs a non-zero state; mixing the seed keeps nearby seeds from starting alike.
        _state = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) | 1;
        Remaining = length;
    }

    public long Remaining { get; private set; }

    /// <summary>The first <paramref name="length"/> bytes of the stream for <paramref name="seed"/>.</summary>
    public static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new SeededData(seed, length).Fill(bytes);
        return bytes;
    }

    /// <summary>
    /// Sends <paramref name="length"/> bytes of the stream for <paramref name="seed"/> in
    /// <see cref="ChunkSize"/> chunks and returns their SHA-256. <paramref name="onSent"/> hears of each chunk
    /// once the socket has taken it (the kernel copied it), which is how tests watch backpressure.
    /// </summary>
    public static async Task<byte[]> SendAsync(Socket socket, int seed, long length, Action<int>? onSent = null)
    {
        var data = new SeededData(seed, length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkSize];
        while (data.Remaining > 0)
        {
            var count = data.Fill(chunk);
            hash.AppendData(chunk, 0, count);
            await socket.SendAllAsync(chunk.AsMemory(0, count));
            onSent?.Invoke(count);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Fills the start of <paramref name="buffer"/> with the next bytes; returns how many (less only at the end).</summary>
    public int Fill(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, Remaining);
        var span = buffer[..count];
        while (_wordBytesLeft > 0 && !span.IsEmpty)
        {
            span[0] = (byte)_word;
            _word >>= 8;
            _wordBytesLeft--;
            span = span[1..];
        }
        var words = MemoryMarshal.Cast<byte, ulong>(span);
        for (var i = 0; i < words.Length; i++) words[i] = NextWord();
        span = span[(words.Length * sizeof(ulong))..];
        if (!span.IsEmpty)
        {
            _word = NextWord();
            _wordBytesLeft = sizeof(ulong);
            while (!span.IsEmpty)
            {
                span[0] = (byte)_word;
                _word >>= 8;
                _wordBytesLeft--;
                span = span[1..];
            }
        }
        Remaining -= count;
        return count;
    }

    private ulong NextWord()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }
}
