namespace Junction.AccessLog;

/// <summary>
/// Writes one access log entry per finished connection (or request). Implementations format on the
/// calling thread and hand the line to a background writer, so a slow disk never stalls traffic.
/// </summary>
public interface IAccessLogger
{
    /// <summary>False when no logger is configured; callers may skip collecting anything.</summary>
    bool IsEnabled { get; }

    /// <summary>Logs <paramref name="info"/>; call once, after <see cref="StreamInfo.MarkEnded"/>.</summary>
    void Log(StreamInfo info);
}
