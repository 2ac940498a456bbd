using System.Net;
using System.Text;
using Junction.AccessLog;

namespace Junction.Http.ConnectionManager;

/// <summary>What access logs may read about one HTTP request: the base facts plus its headers and status.</summary>
internal sealed class HttpStreamInfo(EndPoint? remote, EndPoint? local, MessageHead request, MessageHead? response) : StreamInfo(remote, local)
{
    private int _responseCode;

    public MessageHead? Response { get; set; } = response;

    public string? Route { get; set; }

    /// <summary>The downstream protocol, for <c>%PROTOCOL%</c>.</summary>
    public string DownstreamProtocol { get; init; } = "HTTP/1.1";

    public override string? Protocol => DownstreamProtocol;

    public override int ResponseCode => _responseCode;

    public override string? RouteName => Route;

    public void SetResponseCode(int code) => _responseCode = code;

    /// <summary>Starts over for the connection's next request.</summary>
    public void Reset()
    {
        Restart();
        _responseCode = 0;
        Response = null;
        Route = null;
    }

    public override bool TryAppendRequestHeader(string name, StringBuilder output)
    {
        switch (name)
        {
            case ":method":
                output.Append(Encoding.Latin1.GetString(request.MethodBytes));
                return true;
            case ":path":
                output.Append(Encoding.Latin1.GetString(request.Target));
                return true;
            case ":authority":
                name = "host";
                break;
        }
        return Append(request, name, output);
    }

    public override bool TryAppendResponseHeader(string name, StringBuilder output) =>
        Response is { } response && response.StatusCode != 0 && Append(response, name, output);

    private static bool Append(MessageHead head, string name, StringBuilder output)
    {
        Span<byte> lower = stackalloc byte[Math.Min(name.Length, 256)];
        if (name.Length > lower.Length) return false;
        var count = Encoding.ASCII.GetBytes(name, lower);
        var index = head.Find(lower[..count]);
        if (index < 0) return false;
        output.Append(Encoding.Latin1.GetString(head.Value(index)));
        return true;
    }
}
