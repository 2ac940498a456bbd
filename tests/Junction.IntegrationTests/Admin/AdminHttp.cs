using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.Admin;

/// <summary>One-request HTTP/1.1 exchanges with the admin server over a fresh socket (<c>Connection: close</c>).</summary>
internal static class AdminHttp
{
    public static Task<AdminReply> GetAsync(IPEndPoint admin, string target) => SendAsync(admin, "GET", target);

    public static Task<AdminReply> PostAsync(IPEndPoint admin, string target) => SendAsync(admin, "POST", target);

    public static async Task<AdminReply> SendAsync(IPEndPoint admin, string method, string target)
    {
        using var socket = await SocketTestExtensions.ConnectAsync(admin);
        var body = method == "POST" ? "Content-Length: 0\r\n" : "";
        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: admin\r\n{body}Connection: close\r\n\r\n"));
        return await new HttpResponseReader(socket).ReadAsync(headRequest: method == "HEAD");
    }
}
