using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Junction.IntegrationTests.Infrastructure;

namespace Junction.IntegrationTests.HttpPeers;

/// <summary>
/// A real nginx as an upstream, serving static files it was given (small, 16 KiB, 10 MB), in its own
/// temporary prefix with its own configuration: one foreground process (<c>daemon off; master_process
/// off;</c>), nothing shared with a system nginx. Its access log records nginx's <c>$connection</c>
/// serial and <c>$connection_requests</c>, so a test can see how many upstream connections the proxy used.
/// </summary>
internal sealed class NginxUpstream : IAsyncDisposable
{
    public const string SmallFile = "small.txt";
    public const string MediumFile = "16k.bin";
    public const string LargeFile = "10m.bin";

    public static readonly byte[] SmallContent = "a small static file served by nginx\n"u8.ToArray();

    private const int MediumSize = 16 * 1024;
    private const int LargeSize = 10 * 1024 * 1024;
    private const int StartAttempts = 5;

    private readonly string _directory;
    private readonly Dictionary<string, byte[]> _hashes;
    private Process _process = null!;

    private NginxUpstream(string directory, Dictionary<string, byte[]> hashes)
    {
        _directory = directory;
        _hashes = hashes;
    }

    public int Port { get; private set; }

    /// <summary>The document root: files placed here are served at <c>/NAME</c>.</summary>
    public string Root => Path.Combine(_directory, "www");

    /// <summary>One access log line: nginx's connection serial, that connection's request count, and the request.</summary>
    public readonly record struct LogLine(long Connection, int ConnectionRequests, string Method, string Uri, int Status, long BodyBytes);

    /// <summary>
    /// Writes the static files, then starts nginx on a free loopback port (retrying on a port taken
    /// meanwhile). <paramref name="keepaliveTimeout"/> is how long nginx keeps an idle client connection.
    /// </summary>
    public static async Task<NginxUpstream> StartAsync(string keepaliveTimeout = "60s")
    {
        var nginx = PeerTools.Find("nginx");
        var directory = Path.Combine(Path.GetTempPath(), $"junction-nginx-{Guid.NewGuid():N}");
        var upstream = new NginxUpstream(directory, WriteFiles(Path.Combine(directory, "www")));
        foreach (var temp in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" }) Directory.CreateDirectory(Path.Combine(directory, "tmp", temp));

        var failures = new List<string>();
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var port = FreePort();
            var error = await upstream.TryStartAsync(nginx, port, keepaliveTimeout);
            if (error is null) return upstream;
            failures.Add($"port {port}: {error}");
            // Another process took the port between our probe and nginx's bind: pick another one.
            if (!error.Contains("Address already in use", StringComparison.Ordinal)) break;
        }
        Directory.Delete(directory, recursive: true);
        throw new InvalidOperationException("nginx did not start:\n" + string.Join("\n", failures));
    }

    /// <summary>The SHA-256 of a file this upstream serves.</summary>
    public byte[] Sha256(string file) => _hashes[file];

    public long FileSize(string file) => new FileInfo(Path.Combine(Root, file)).Length;

    /// <summary>The complete lines of the access log so far (a line being written is left out).</summary>
    public IReadOnlyList<LogLine> AccessLog()
    {
        var path = Path.Combine(_directory, "access.log");
        if (!File.Exists(path)) return [];
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            text = reader.ReadToEnd();
        }
        var lines = text.Split('\n');
        return lines.Take(lines.Length - 1).Select(ParseLogLine).ToList();
    }

    /// <summary>Waits until the access log has lines for at least <paramref name="count"/> requests to <paramref name="uri"/>.</summary>
    public async Task<IReadOnlyList<LogLine>> AccessLogForAsync(string uri, int count)
    {
        IReadOnlyList<LogLine> lines = [];
        await Eventually.AssertAsync(() => (lines = AccessLog().Where(l => l.Uri == uri).ToList()).Count >= count,
            $"{count} nginx access log lines for {uri}");
        return lines;
    }

    private static LogLine ParseLogLine(string line)
    {
        var parts = line.Split(' ');
        return new LogLine(long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            parts[2], parts[3], int.Parse(parts[4], CultureInfo.InvariantCulture), long.Parse(parts[5], CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, byte[]> WriteFiles(string root)
    {
        Directory.CreateDirectory(root);
        File.WriteAllBytes(Path.Combine(root, SmallFile), SmallContent);
        return new Dictionary<string, byte[]>
        {
            [SmallFile] = SHA256.HashData(SmallContent),
            [MediumFile] = WriteSeeded(Path.Combine(root, MediumFile), seed: 16, MediumSize),
            [LargeFile] = WriteSeeded(Path.Combine(root, LargeFile), seed: 10, LargeSize),
        };
    }

    private static byte[] WriteSeeded(string path, int seed, long length)
    {
        var data = new SeededData(seed, length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = File.Create(path);
        var chunk = new byte[SeededData.ChunkSize];
        while (data.Remaining > 0)
        {
            var count = data.Fill(chunk);
            hash.AppendData(chunk, 0, count);
            file.Write(chunk, 0, count);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// A port nobody listens on right now. nginx cannot bind port 0 and report it, so the kernel picks
    /// one for a socket that is closed again; the caller retries if someone else takes it first.
    /// </summary>
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Starts nginx on <paramref name="port"/> and waits until it answers; null on success, else why not.</summary>
    private async Task<string?> TryStartAsync(string nginx, int port, string keepaliveTimeout)
    {
        var config = Path.Combine(_directory, "nginx.conf");
        var errorLog = Path.Combine(_directory, "error.log");
        File.WriteAllText(config, Configuration(port, keepaliveTimeout));
        File.WriteAllText(errorLog, "");
        var info = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-p", _directory + "/", "-c", config, "-e", errorLog, "-g", "daemon off; master_process off;" })
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        // nginx retries a failed bind for about 2.5 s before it gives up, so allow more than that.
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                var why = $"nginx exited with {process.ExitCode}: {await stderr} {File.ReadAllText(errorLog)}";
                process.Dispose();
                return why;
            }
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{port}/ready");
                // The body proves it is this nginx answering, not whoever else holds the port.
                if (await response.Content.ReadAsStringAsync() == $"ready {_directory}\n")
                {
                    _process = process;
                    Port = port;
                    return null;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }
            await Task.Delay(20);
        }
        process.Kill();
        await process.WaitForExitAsync();
        var log = File.ReadAllText(errorLog);
        process.Dispose();
        return "nginx did not answer within 10s: " + log;
    }

    private string Configuration(int port, string keepaliveTimeout) => $$"""
        pid {{_directory}}/nginx.pid;
        error_log {{_directory}}/error.log warn;
        events {
            worker_connections 512;
        }
        http {
            log_format peers '$connection $connection_requests $request_method $request_uri $status $body_bytes_sent';
            access_log {{_directory}}/access.log peers;
            client_body_temp_path {{_directory}}/tmp/body;
            proxy_temp_path {{_directory}}/tmp/proxy;
            fastcgi_temp_path {{_directory}}/tmp/fastcgi;
            uwsgi_temp_path {{_directory}}/tmp/uwsgi;
            scgi_temp_path {{_directory}}/tmp/scgi;
            types {
                text/plain txt;
            }
            default_type application/octet-stream;
            sendfile on;
            # Only for clients that ask (curl --compressed): nginx then sends the file gzipped and chunked.
            gzip on;
            gzip_min_length 0;
            gzip_types text/plain application/octet-stream;
            keepalive_timeout {{keepaliveTimeout}};
            # Low enough that a short wrk run sees nginx end keep-alive connections (with Connection: close).
            keepalive_requests 100;
            server {
                listen 127.0.0.1:{{port}};
                root {{_directory}}/www;
                location = /ready {
                    access_log off;
                    return 200 "ready {{_directory}}\n";
                }
                location = /nginx_status {
                    access_log off;
                    stub_status;
                }
            }
        }
        """;

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
