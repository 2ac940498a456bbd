using Junction.AccessLog;

namespace Junction.Core.AccessLog;

/// <summary>The loggers of one <c>access_log</c> list: each renders its format and enqueues to its sink.</summary>
internal sealed class FormattedAccessLogger(IReadOnlyList<(LogFormat Format, AccessLogSink Sink)> loggers) : IAccessLogger
{
    public static FormattedAccessLogger Disabled { get; } = new(Array.Empty<(LogFormat, AccessLogSink)>());

    public bool IsEnabled => loggers.Count > 0;

    public void Log(StreamInfo info)
    {
        foreach (var (format, sink) in loggers)
        {
            sink.Enqueue(format.Render(info));
        }
    }
}
