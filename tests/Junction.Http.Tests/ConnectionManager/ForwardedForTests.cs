using System.Text;
using Junction.Http.ConnectionManager;
using Junction.Http.Http1;

namespace Junction.Http.Tests.ConnectionManager;

/// <summary>The original client from x-forwarded-for, with Envoy's documented examples.</summary>
public sealed class ForwardedForTests
{
    private const string EnvoyExample = "203.0.113.128, 203.0.113.10, 203.0.113.1";

    // Without use_remote_address the header alone counts; trusted hops skip entries from the right.
    [Theory]
    [InlineData(0, "203.0.113.1")]
    [InlineData(1, "203.0.113.10")]
    [InlineData(2, "203.0.113.128")]
    [InlineData(3, null)]
    public void WithoutUseRemoteAddress(int hops, string? expected) =>
        Assert.Equal(expected, ForwardedFor.FindClient(Request(EnvoyExample), hops, remoteAppended: false)?.ToString());

    // With use_remote_address the peer is the rightmost hop: one trusted hop means the header's last entry.
    [Theory]
    [InlineData(0, null)]
    [InlineData(1, "203.0.113.1")]
    [InlineData(2, "203.0.113.10")]
    public void WithUseRemoteAddress(int hops, string? expected) =>
        Assert.Equal(expected, ForwardedFor.FindClient(Request(EnvoyExample), hops, remoteAppended: true)?.ToString());

    [Fact]
    public void RepeatedFieldsAreOneListInOrder()
    {
        var request = Request("10.0.0.1, 10.0.0.2", "10.0.0.3");
        Assert.Equal("10.0.0.3", ForwardedFor.FindClient(request, 0, false)?.ToString());
        Assert.Equal("10.0.0.2", ForwardedFor.FindClient(request, 1, false)?.ToString());
        Assert.Equal("10.0.0.1", ForwardedFor.FindClient(request, 2, false)?.ToString());
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("10.0.0.1, ")]
    [InlineData("999.1.1.1")]
    public void AnEntryThatIsNotAnAddressGivesNoClient(string header) =>
        Assert.Null(ForwardedFor.FindClient(Request(header), 0, false));

    [Fact]
    public void Ipv6EntriesParse() =>
        Assert.Equal("2001:db8::1", ForwardedFor.FindClient(Request("192.0.2.1, 2001:db8::1"), 0, false)?.ToString());

    [Fact]
    public void NoHeaderGivesNoClient() => Assert.Null(ForwardedFor.FindClient(Request(), 0, false));

    private static MessageHead Request(params string[] forwardedFor)
    {
        var head = new MessageHead();
        head.SetRequestLine(Http1Method.Get, "GET"u8, "/"u8, Http1Version.Http11);
        head.AddField("host"u8, "a"u8);
        foreach (var value in forwardedFor) head.AddField("x-forwarded-for"u8, Encoding.ASCII.GetBytes(value));
        return head;
    }
}
