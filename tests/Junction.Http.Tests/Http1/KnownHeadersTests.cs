using Junction.Http.Http1;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http1;

public sealed class KnownHeadersTests
{
    [Theory]
    [InlineData("Host", nameof(KnownHeader.Host))]
    [InlineData("HOST", nameof(KnownHeader.Host))]
    [InlineData("content-length", nameof(KnownHeader.ContentLength))]
    [InlineData("Content-Length", nameof(KnownHeader.ContentLength))]
    [InlineData("Transfer-Encoding", nameof(KnownHeader.TransferEncoding))]
    [InlineData("connection", nameof(KnownHeader.Connection))]
    [InlineData("Keep-Alive", nameof(KnownHeader.KeepAlive))]
    [InlineData("Proxy-Connection", nameof(KnownHeader.ProxyConnection))]
    [InlineData("TE", nameof(KnownHeader.TE))]
    [InlineData("te", nameof(KnownHeader.TE))]
    [InlineData("Upgrade", nameof(KnownHeader.Upgrade))]
    [InlineData("Expect", nameof(KnownHeader.Expect))]
    [InlineData("TRAILER", nameof(KnownHeader.Trailer))]
    [InlineData("", nameof(KnownHeader.Unknown))]
    [InlineData("Hosts", nameof(KnownHeader.Unknown))]
    [InlineData("Hos", nameof(KnownHeader.Unknown))]
    [InlineData("X-Host", nameof(KnownHeader.Unknown))]
    [InlineData("Content-Lengt", nameof(KnownHeader.Unknown))]
    [InlineData("Content_Length", nameof(KnownHeader.Unknown))]
    [InlineData("keep_alive", nameof(KnownHeader.Unknown))]
    [InlineData("Trailers", nameof(KnownHeader.Unknown))]
    [InlineData("Upgrade-Insecure-Requests", nameof(KnownHeader.Unknown))]
    [InlineData("Accept", nameof(KnownHeader.Unknown))]
    [InlineData("H\u00f6st", nameof(KnownHeader.Unknown))]
    public void IdentifiesKnownNamesIgnoringCase(string name, string expected) =>
        Assert.Equal(Enum.Parse<KnownHeader>(expected), KnownHeaders.Identify(Bytes(name)));
}
