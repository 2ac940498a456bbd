using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP/1.1 upstream: ASP.NET Core's Kestrel on 127.0.0.1 port 0, with endpoints that let tests
/// see what the proxy forwarded. Counts the TCP connections it accepted, so keep-alive reuse is visible.
/// </summary>
internal sealed class KestrelUpstream : IAsyncDisposable
{
    private readonly Counters _counters;
    private WebApplication _app = null!;

    private KestrelUpstream(Counters counters) => _counters = counters;

    private sealed class Counters
    {
        public int Connections;
        public int Requests;
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    public int Port => EndPoint.Port;

    public int Connections => Volatile.Read(ref _counters.Connections);

    public int Requests => Volatile.Read(ref _counters.Requests);

    /// <summary>Requests to <c>/gated</c> wait until this completes (<see cref="OpenGate"/>).</summary>
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets every waiting and future <c>/gated</c> request finish.</summary>
    public void OpenGate() => _gate.TrySetResult();

    /// <summary>The status <c>/health</c> answers with (200 until a test changes it), for health check tests.</summary>
    public int HealthStatus
    {
        get => Volatile.Read(ref _healthStatus);
        set => Volatile.Write(ref _healthStatus, value);
    }

    private int _healthStatus = 200;

    /// <summary>When not 0, every request except <c>/health</c> is answered with this status (outlier tests).</summary>
    public int FailStatus
    {
        get => Volatile.Read(ref _failStatus);
        set => Volatile.Write(ref _failStatus, value);
    }

    private int _failStatus;

    /// <summary>Requests to <c>/health</c> so far.</summary>
    public int HealthRequests => Volatile.Read(ref _healthRequests);

    private int _healthRequests;

    /// <summary>A name echoed in the x-upstream response header, to tell upstreams apart.</summary>
    public string Name { get; private set; } = "";

    public static async Task<KestrelUpstream> StartAsync(string name = "upstream")
    {
        var counters = new Counters();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            // Connection middleware: counts TCP connections, so tests can see keep-alive reuse.
            options.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => context =>
            {
                Interlocked.Increment(ref counters.Connections);
                return next(context);
            }));
            options.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var upstream = new KestrelUpstream(counters) { Name = name, _app = app };
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref counters.Requests);
            context.Response.Headers["x-upstream"] = upstream.Name;
            if (upstream.FailStatus is var status and not 0 && !context.Request.Path.StartsWithSegments("/health"))
            {
                context.Response.StatusCode = status;
                await context.Response.WriteAsync("failing on purpose");
                return;
            }
            await next(context);
        });
        app.UseWebSockets();
        app.Map("/health", () =>
        {
            Interlocked.Increment(ref upstream._healthRequests);
            return Results.Text("health", statusCode: upstream.HealthStatus);
        });
        MapEndpoints(app);
        app.Map("/gated", async () =>
        {
            await upstream._gate.Task;
            return Results.Text("through the gate");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.EndPoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
        return upstream;
    }

    private static void MapEndpoints(WebApplication app)
    {
        // Echoes the request line and headers as text: "METHOD PATH\nname: value\n...".
        app.Map("/headers/{**rest}", (HttpContext context) =>
        {
            var text = new StringBuilder();
            text.Append(context.Request.Method).Append(' ').Append(context.Request.Path).Append(context.Request.QueryString).Append('\n');
            foreach (var (key, values) in context.Request.Headers)
            {
                foreach (var value in values) text.Append(key.ToLowerInvariant()).Append(": ").Append(value).Append('\n');
            }
            return Results.Text(text.ToString());
        });
        // Reads the whole body and answers with its length and SHA-256.
        app.MapPost("/sha256", async (HttpContext context) =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }
            return Results.Text($"{total} {Convert.ToHexString(sha.GetHashAndReset())}");
        });
        // Streams N pseudo-random bytes (seeded) with Content-Length, or chunked when ?chunked=1.
        app.Map("/bytes/{size:long}", async (HttpContext context, long size) =>
        {
            var chunked = context.Request.Query.ContainsKey("chunked");
            if (!chunked) context.Response.ContentLength = size;
            var random = new Random(42);
            var buffer = new byte[32 * 1024];
            var left = size;
            while (left > 0)
            {
                random.NextBytes(buffer);
                var n = (int)Math.Min(left, buffer.Length);
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, n));
                left -= n;
            }
        });
        // A WebSocket echo: every message comes back as sent, until the client closes.
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 426;
                await context.Response.WriteAsync("websocket only");
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        });
        // Reads the body, then answers with its length and the request's trailers ("name: value" lines).
        app.MapPost("/trailers", async (HttpContext context) =>
        {
            var length = 0L;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0) length += read;
            var text = new StringBuilder().Append(length).Append('\n');
            if (context.Request.SupportsTrailers() && context.Request.CheckTrailersAvailable())
            {
                foreach (var name in new[] { "x-checksum", "x-extra" })
                {
                    var value = context.Request.GetTrailer(name);
                    if (!Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(value)) text.Append(name).Append(": ").Append(value.ToString()).Append('\n');
                }
            }
            return Results.Text(text.ToString());
        });
        app.Map("/status/{code:int}", (int code) => Results.Text($"status {code}", statusCode: code));
        app.Map("/slow/{ms:int}", async (int ms) =>
        {
            await Task.Delay(ms);
            return Results.Text("slow");
        });
        app.Map("/{**path}", (HttpContext context) => Results.Text($"hello from {context.Request.Path}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
