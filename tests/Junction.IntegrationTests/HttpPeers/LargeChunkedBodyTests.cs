using System.Net;
using System.Security.Cryptography;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// 100 MB chunked bodies through the proxy both ways, checked by SHA-256. Neither side ever holds the
/// body: it is generated and hashed as it streams.
/// </summary>
[Collection(HttpPeersCollection.Name)]
public sealed class LargeChunkedBodyTests
{
    private const long Size = 100L * 1024 * 1024;

    [Fact]
    public async Task HundredMegabyteChunkedRequestBodyArrivesIntact()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port, routeTimeout: "0s");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var body = new SeededUploadStream(seed: 100, Size);

        // A stream of unknown length: HttpClient sends it chunked.
        using var content = new StreamContent(body, SeededData.ChunkSize);
        using var response = await client.PostAsync(proxy.Url("/sha256"), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.Finished, "the whole body was read");
        Assert.Equal($"{Size} {Convert.ToHexString(body.Sha256())}", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task HundredMegabyteChunkedResponseBodyArrivesIntact()
    {
        await using var upstream = await KestrelUpstream.StartAsync("web");
        await using var proxy = await PeerProxy.StartAsync("web", upstream.Port, routeTimeout: "0s");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var expected = KestrelBytes.Sha256(Size);

        using var response = await client.GetAsync(proxy.Url($"/bytes/{Size}?chunked=1"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TransferEncodingChunked, "the proxy relays the upstream's chunked body as chunks");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(Size, total);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(hash.GetHashAndReset()));
    }

    /// <summary>A read-only, non-seekable stream of <see cref="SeededData"/> that hashes what it hands out.</summary>
    private sealed class SeededUploadStream(int seed, long length) : Stream
    {
        private readonly SeededData _data = new(seed, length);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[]? _sha256;

        public bool Finished => _sha256 is not null;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>The hash of the whole body, taken as its last byte was read (HttpClient disposes the stream after sending).</summary>
        public byte[] Sha256() => _sha256 ?? throw new InvalidOperationException("the body was not read to its end");

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = _data.Fill(buffer);
            _hash.AppendData(buffer[..count]);
            if (_data.Remaining == 0) _sha256 ??= _hash.GetHashAndReset();
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
