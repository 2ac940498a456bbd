using Junction.Stats;

namespace Junction.Core.AccessLog;

/// <summary>
/// The open log destinations, one per path, shared by every logger that writes there and kept across
/// configuration reloads. <c>/dev/stdout</c> and <c>/dev/stderr</c> map to the process's own streams.
/// </summary>
internal sealed class AccessLogSinks(IStatsScope stats) : IAsyncDisposable
{
    private readonly Dictionary<string, AccessLogSink> _sinks = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The sink for <paramref name="path"/>; throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the file cannot be opened for appending.</summary>
    public AccessLogSink Get(string path)
    {
        lock (_lock)
        {
            if (_sinks.TryGetValue(path, out var sink)) return sink;
            Stream stream = path switch
            {
                "/dev/stdout" => Console.OpenStandardOutput(),
                "/dev/stderr" => Console.OpenStandardError(),
                _ => new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true),
            };
            sink = new AccessLogSink(path, stream, stats.Counter("access_log.dropped_lines"));
            _sinks.Add(path, sink);
            return sink;
        }
    }

    public async ValueTask DisposeAsync()
    {
        AccessLogSink[] sinks;
        lock (_lock)
        {
            sinks = _sinks.Values.ToArray();
            _sinks.Clear();
        }
        foreach (var sink in sinks) await sink.DisposeAsync().ConfigureAwait(false);
    }
}
