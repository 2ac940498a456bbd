using Junction.AccessLog;

namespace Junction.Core.AccessLog;

/// <summary>The loggers of one <c>access_log</c> list: each renders its format and enqueues to its sink.</summary>
internal sealed class FormattedAccessLogger(IReadOnlyList<(LogFormat Format, AccessLogSink Sink)> loggers) : IAccessLogger
{
    public static FormattedAccessLogger Disabled { get; } = new(Array.Empty<(LogFormat, AccessLogSink)>());

    public bool IsEnabled => loggers.Count > 0;

    public void Log(StreamInfo info)
    {
        // An indexed loop: foreach over the interface would box an enumerator per entry logged.
        for (var i = 0; i < loggers.Count; i++)
        {
            var (format, sink) = loggers[i];
            sink.Enqueue(format.Render(info));
        }
    }
}
