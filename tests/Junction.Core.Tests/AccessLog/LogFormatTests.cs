using System.Net;
using System.Text.Json;
using Junction.AccessLog;
using Junction.Core.AccessLog;

namespace Junction.Core.Tests.AccessLog;

public sealed class LogFormatTests
{
    private static StreamInfo Info()
    {
        var info = new StreamInfo(IPEndPoint.Parse("10.0.0.7:5555"), IPEndPoint.Parse("127.0.0.1:10000"))
        {
            UpstreamCluster = "backend",
            UpstreamHost = IPEndPoint.Parse("127.0.0.1:8080"),
        };
        info.AddBytesReceived(5);
        info.AddBytesSent(12);
        info.SetFlag(ResponseFlags.UpstreamConnectionFailure);
        info.SetFlag(ResponseFlags.UpstreamRetryLimitExceeded);
        info.MarkEnded();
        return info;
    }

    private static string Render(string format)
    {
        var segments = LogFormatParser.Parse(format, out var error);
        Assert.True(segments is not null, error);
        return new TextLogFormat(segments!).Render(Info());
    }

    [Fact]
    public void TextFormatInterpolatesOperatorsAndAddsNewline()
    {
        Assert.Equal("backend 127.0.0.1:8080 5 12 UF,URX 10.0.0.7:5555 10.0.0.7\n",
            Render("%UPSTREAM_CLUSTER% %UPSTREAM_HOST% %BYTES_RECEIVED% %BYTES_SENT% %RESPONSE_FLAGS% %DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"));
    }

    [Fact]
    public void UnknownValuesPrintDashAndPercentIsEscaped()
    {
        // Plain TCP has no request headers, protocol or route.
        Assert.Equal("- - - 100%\n", Render("%REQ(USER-AGENT)% %PROTOCOL% %ROUTE_NAME% 100%%"));
    }

    [Fact]
    public void LengthSuffixTruncates()
    {
        Assert.Equal("back\n", Render("%UPSTREAM_CLUSTER:4%"));
    }

    [Fact]
    public void StartTimeSupportsStrftimePatterns()
    {
        var line = Render("%START_TIME(%Y-%m-%dT%H:%M:%S.%3fZ)%");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$", line);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$", Render("%START_TIME%"));
    }

    [Fact]
    public void DefaultFormatParses()
    {
        Assert.NotNull(LogFormatParser.Parse(LogFormatParser.DefaultFormat, out _));
    }

    [Theory]
    [InlineData("%NOT_AN_OPERATOR%", "unknown command operator")]
    [InlineData("%REQ()%", "needs a header name")]
    [InlineData("50% done", "unterminated")]
    [InlineData("%BYTES_SENT:x%", "length suffix")]
    public void InvalidFormatsAreRejectedWithAReason(string format, string reason)
    {
        Assert.Null(LogFormatParser.Parse(format, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void JsonFormatTypesNumbersAndNullsUnknowns()
    {
        var bytes = LogFormatParser.Parse("%BYTES_SENT%", out _)!;
        var ua = LogFormatParser.Parse("%REQ(USER-AGENT)%", out _)!;
        var mixed = LogFormatParser.Parse("to %UPSTREAM_HOST%", out _)!;
        var cluster = LogFormatParser.Parse("%UPSTREAM_CLUSTER%", out _)!;
        var format = new JsonLogFormat(new[]
        {
            new JsonLogFormat.Field("bytes", bytes, null),
            new JsonLogFormat.Field("ua", ua, null),
            new JsonLogFormat.Field("upstream", null, new[]
            {
                new JsonLogFormat.Field("where", mixed, null),
                new JsonLogFormat.Field("cluster", cluster, null),
            }),
        });
        var line = format.Render(Info());
        Assert.EndsWith("\n", line);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(12, json.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("ua").ValueKind);
        Assert.Equal("to 127.0.0.1:8080", json.RootElement.GetProperty("upstream").GetProperty("where").GetString());
        Assert.Equal("backend", json.RootElement.GetProperty("upstream").GetProperty("cluster").GetString());
    }
}
