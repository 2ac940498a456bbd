using System.Globalization;
using System.Text;
using Junction.Host.Admin;
using Microsoft.Extensions.Logging;

namespace Junction.Host.Logging;

/// <summary>
/// The process's loggers: one line per message on stderr (stdout stays free for access logs), in the
/// single-line shape of the .NET simple console formatter: <c>2026-11-22T03:19:05.123Z info: main[0] text</c>.
/// </summary>
/// <remarks>
/// Junction's own instead of Microsoft.Extensions.Logging.Console, which brings dependency injection,
/// options, configuration and System.Text.Json along: about 4 MiB of the idle process's RSS. A log call
/// formats its line on the caller's thread and queues it; one background thread writes. A call may come
/// from a socket's epoll thread (see <c>SocketCompletions</c>), so it never waits: when the writer is
/// <see cref="QueueCapacity"/> lines behind, lines are dropped and the next written line says how many.
/// The level is asked of the <see cref="LogLevelSwitch"/> on every call, so admin's changes apply at once.
/// </remarks>
internal sealed class StderrLoggerFactory : ILoggerFactory
{
    public const int QueueCapacity = 2500;

    private readonly LogLevelSwitch _levels;
    private readonly Queue<string> _queue = new();
    // A plain object, not a Lock: the writer waits on it with Monitor.Wait.
    private readonly object _lock = new();
    private readonly Stream _output;
    private readonly Thread _writer;
    private long _dropped;
    private bool _disposed;

    public StderrLoggerFactory(LogLevelSwitch levels, Stream? output = null)
    {
        _levels = levels;
        _output = output ?? Console.OpenStandardError();
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Junction log writer" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("junction writes its logs itself; providers cannot be added");

    /// <summary>Writes what is queued, then stops the writer.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_lock);
        }
        _writer.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>One log line, as written (without the line end).</summary>
    internal static string Format(DateTime utcNow, LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(64 + category.Length + message.Length);
        line.Append(utcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture));
        line.Append(LevelName(level)).Append(": ").Append(category).Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append("] ");
        line.Append(message.ReplaceLineEndings(" "));
        if (exception is not null) line.Append(' ').Append(exception.ToString().ReplaceLineEndings(" "));
        return line.ToString();
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private void Enqueue(string line)
    {
        lock (_lock)
        {
            if (_disposed) return;
            if (_queue.Count >= QueueCapacity)
            {
                _dropped++;
                return;
            }
            _queue.Enqueue(line);
            if (_queue.Count == 1) Monitor.Pulse(_lock);
        }
    }

    private void WriteLoop()
    {
        var batch = new List<string>();
        while (true)
        {
            long dropped;
            bool stopping;
            lock (_lock)
            {
                while (_queue.Count == 0 && !_disposed) Monitor.Wait(_lock);
                while (_queue.Count > 0) batch.Add(_queue.Dequeue());
                dropped = _dropped;
                _dropped = 0;
                stopping = _disposed;
            }
            var text = new StringBuilder();
            if (dropped > 0)
            {
                text.Append(Format(DateTime.UtcNow, LogLevel.Warning, "logging", default, $"{dropped} log line(s) dropped: the writer fell behind", null)).Append('\n');
            }
            foreach (var line in batch) text.Append(line).Append('\n');
            batch.Clear();
            try
            {
                _output.Write(Encoding.UTF8.GetBytes(text.ToString()));
                _output.Flush();
            }
            catch (IOException)
            {
                // stderr is gone (a closed pipe): nothing left to tell.
            }
            if (stopping) return;
        }
    }

    private sealed class Logger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => factory._levels.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            factory.Enqueue(Format(DateTime.UtcNow, logLevel, category, eventId, formatter(state, exception), exception));
        }
    }
}
