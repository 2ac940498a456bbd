using System.Text;
using Junction.Core.Upstream.Health;

namespace Junction.Core.Tests.Upstream;

public sealed class HealthProbeParsingTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK", 200)]
    [InlineData("HTTP/1.0 503 Service Unavailable", 503)]
    [InlineData("HTTP/1.1 204", 204)]
    [InlineData("HTTP/1.1 204 ", 204)]
    [InlineData("HTTP/2 200 OK", -1)]
    [InlineData("HTTP/1.1 20 OK", -1)]
    [InlineData("HTTP/1.1 2000 OK", -1)]
    [InlineData("HTTP/1.1 099 OK", -1)]
    [InlineData("HTTP/1.1  200 OK", -1)]
    [InlineData("http/1.1 200 OK", -1)]
    [InlineData("SSH-2.0-OpenSSH", -1)]
    public void StatusLinesAreReadStrictly(string line, int expected)
    {
        Assert.Equal(expected, HttpHealthProbe.ParseStatusLine(Encoding.ASCII.GetBytes(line)));
    }

    [Theory]
    [InlineData("pong", true)]
    [InlineData("xxpoyyngzz", true)]
    [InlineData("ngpo", false)]
    [InlineData("pon", false)]
    public void TcpReceiveBlocksMustAppearInOrder(string reply, bool expected)
    {
        byte[][] blocks = ["po"u8.ToArray(), "ng"u8.ToArray()];
        Assert.Equal(expected, TcpHealthProbe.ContainsInOrder(Encoding.ASCII.GetBytes(reply), blocks));
    }
}
