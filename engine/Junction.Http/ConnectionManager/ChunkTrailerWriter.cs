using System.Buffers;
using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Re-emits the end of a chunked body: the last chunk, then the trailer fields as the decoder reports
/// them, then the final empty line. Framing fields are never forwarded as trailers.
/// </summary>
internal struct ChunkTrailerWriter(IBufferWriter<byte> output) : IHttp1HeadersHandler
{
    private bool _wroteLastChunk;

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        WriteLastChunk();
        if (KnownHeaders.Identify(name) is KnownHeader.ContentLength or KnownHeader.TransferEncoding or KnownHeader.Host) return;
        output.WriteField(name, value);
    }

    public void OnHeadersComplete()
    {
        WriteLastChunk();
        output.Write("\r\n"u8);
    }

    private void WriteLastChunk()
    {
        if (_wroteLastChunk) return;
        _wroteLastChunk = true;
        output.Write("0\r\n"u8);
    }
}

/// <summary>Discards trailers (toward an HTTP/1.0 client, which cannot receive them).</summary>
internal readonly struct TrailerDiscarder : IHttp1HeadersHandler
{
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
    }

    public void OnHeadersComplete()
    {
    }
}
