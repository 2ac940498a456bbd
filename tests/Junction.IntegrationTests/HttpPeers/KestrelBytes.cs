using System.Security.Cryptography;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// What <c>KestrelUpstream</c>'s <c>/bytes/{size}</c> endpoint sends: <c>new Random(42)</c> filling a
/// 32 KiB buffer at a time, cut to the size. Regenerated here to check a body without storing it twice.
/// </summary>
internal static class KestrelBytes
{
    private const int BufferSize = 32 * 1024;

    public static byte[] Sha256(long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(42);
        var buffer = new byte[BufferSize];
        for (var left = size; left > 0; left -= BufferSize)
        {
            random.NextBytes(buffer);
            hash.AppendData(buffer, 0, (int)Math.Min(left, BufferSize));
        }
        return hash.GetHashAndReset();
    }
}
