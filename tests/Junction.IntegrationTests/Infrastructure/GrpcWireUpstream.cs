using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// A gRPC service on Kestrel over cleartext HTTP/2, speaking gRPC's wire format (length-prefixed
/// messages, grpc-status and grpc-message in trailers) directly. grpc-dotnet's packages are not in this
/// machine's package mirror, so the service and <see cref="GrpcWire"/> do by hand what they would:
/// the proxy sees the same frames, headers and trailers either way. Messages are UTF-8 strings.
/// Calls between two real gRPC implementations (gRPC's C core on both ends) are in GrpcCorePeerTests.
/// </summary>
internal sealed class GrpcWireUpstream : IAsyncDisposable
{
    private WebApplication _app = null!;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _attempts = new();

    public IPEndPoint EndPoint { get; private set; } = null!;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Length, string Sha256, string Host)> _bodies = new();

    /// <summary>How many attempts <c>/flaky/{key}</c> saw, counted as each arrives (before its body is read: see <see cref="LastBody"/>).</summary>
    public int Attempts(string key) => _attempts.GetValueOrDefault(key);

    /// <summary>The last body <c>/flaky/{key}</c> got (its length and SHA-256) and the Host (:authority) it came with.</summary>
    public (long Length, string Sha256, string Host) LastBody(string key) => _bodies.GetValueOrDefault(key);

    public static async Task<GrpcWireUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var upstream = new GrpcWireUpstream { _app = app };

        // Unary: one message in, "echo: " + it out.
        app.MapPost("/test.Echo/Unary", async context =>
        {
            var request = await GrpcWire.ReadMessageAsync(context.Request.BodyReader);
            await StartAsync(context);
            await GrpcWire.WriteMessageAsync(context.Response.BodyWriter, "echo: " + request);
            Finish(context, 0, null);
        });
        // Client streaming: every message in, then one with their count and concatenation.
        app.MapPost("/test.Echo/Collect", async context =>
        {
            var all = new StringBuilder();
            var count = 0;
            while (await GrpcWire.ReadMessageAsync(context.Request.BodyReader) is { } message)
            {
                all.Append(message);
                count++;
            }
            await StartAsync(context);
            await GrpcWire.WriteMessageAsync(context.Response.BodyWriter, $"{count}:{all}");
            Finish(context, 0, null);
        });
        // Server streaming: "N" in, N numbered messages out.
        app.MapPost("/test.Echo/Count", async context =>
        {
            var n = int.Parse(await GrpcWire.ReadMessageAsync(context.Request.BodyReader) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            await StartAsync(context);
            for (var i = 1; i <= n; i++) await GrpcWire.WriteMessageAsync(context.Response.BodyWriter, $"message {i}");
            Finish(context, 0, null);
        });
        // Bidirectional: each message is answered at once, before the next arrives.
        app.MapPost("/test.Echo/Chat", async context =>
        {
            await StartAsync(context);
            while (await GrpcWire.ReadMessageAsync(context.Request.BodyReader) is { } message)
            {
                await GrpcWire.WriteMessageAsync(context.Response.BodyWriter, "re: " + message);
            }
            Finish(context, 0, null);
        });
        // Trailers-only: an error with no response message.
        app.MapPost("/test.Echo/Missing", context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "5";
            context.Response.Headers["grpc-message"] = "no such thing";
            return Task.CompletedTask;
        });

        // Plain HTTP over the same HTTP/2-only listener: what protocol and fields arrived, and body hashes.
        app.Map("/echo/{**rest}", (HttpContext context) =>
        {
            var text = new StringBuilder().Append(context.Request.Protocol).Append(' ').Append(context.Request.Method).Append(' ')
                .Append(context.Request.Path).Append(context.Request.QueryString).Append('\n');
            foreach (var (key, values) in context.Request.Headers) text.Append(key.ToLowerInvariant()).Append(": ").Append(values.ToString()).Append('\n');
            return Results.Text(text.ToString());
        });
        app.MapPost("/sha256", async (HttpContext context) =>
        {
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
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

        // Fails the first `fail` attempts of each key (503, or a reset with `reset=1`), then answers 200.
        // Every attempt reads the whole body: the answer carries the attempt number and the body's hash.
        app.Map("/flaky/{key}", async context =>
        {
            var key = (string)context.Request.RouteValues["key"]!;
            var fails = int.Parse(context.Request.Query["fail"].FirstOrDefault() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var attempt = upstream._attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }
            var hash = Convert.ToHexString(sha.GetHashAndReset());
            upstream._bodies[key] = (total, hash, context.Request.Headers.Host.ToString());
            if (attempt <= fails && context.Request.Query["reset"] == "1")
            {
                context.Abort();
                return;
            }
            context.Response.StatusCode = attempt <= fails ? 503 : 200;
            await context.Response.WriteAsync($"attempt {attempt} {total} {hash}");
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.EndPoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
        return upstream;
    }

    private static Task StartAsync(HttpContext context)
    {
        context.Response.ContentType = "application/grpc";
        return context.Response.StartAsync();
    }

    private static void Finish(HttpContext context, int status, string? message)
    {
        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null) context.Response.AppendTrailer("grpc-message", message);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>gRPC's length-prefixed message framing: a compressed flag byte, a 4-byte big-endian length, the message.</summary>
internal static class GrpcWire
{
    public static byte[] Frame(string message)
    {
        var payload = Encoding.UTF8.GetBytes(message);
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task WriteMessageAsync(PipeWriter output, string message)
    {
        await output.WriteAsync(Frame(message));
        await output.FlushAsync();
    }

    /// <summary>The next message, or null at the end of the stream.</summary>
    public static async Task<string?> ReadMessageAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                var length = BinaryPrimitives.ReadUInt32BigEndian(System.Buffers.BuffersExtensions.ToArray(buffer.Slice(1, 4)));
                if (buffer.Length >= 5 + length)
                {
                    var message = Encoding.UTF8.GetString(buffer.Slice(5, length));
                    input.AdvanceTo(buffer.GetPosition(5 + length));
                    return message;
                }
            }
            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads one message from a response stream (null at its end).</summary>
    public static async Task<string?> ReadMessageAsync(Stream input)
    {
        var prefix = new byte[5];
        if (!await ReadExactlyOrEndAsync(input, prefix)) return null;
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1))];
        await input.ReadExactlyAsync(payload);
        return Encoding.UTF8.GetString(payload);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream input, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await input.ReadAsync(buffer.AsMemory(read));
            if (n == 0) return read == 0 ? false : throw new EndOfStreamException("a message was cut short");
            read += n;
        }
        return true;
    }
}
