using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>
/// The process log level, changeable at run time (admin's <c>POST /logging?level=</c>). The logger
/// factory's filter asks <see cref="IsEnabled"/> on every log call, so a change applies at once to
/// every logger, including ones created before it.
/// </summary>
internal sealed class LogLevelSwitch(LogLevel initial)
{
    /// <summary>The level names, lowest first, as the command line and admin accept and print them (Envoy's).</summary>
    public static IReadOnlyList<string> Names { get; } = ["trace", "debug", "info", "warning", "error", "critical", "off"];

    private volatile int _level = (int)initial;

    public LogLevel Level
    {
        get => (LogLevel)_level;
        set => _level = (int)value;
    }

    public bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= Level;

    /// <summary>Parses one of <see cref="Names"/> (or <c>warn</c>), ignoring case.</summary>
    public static bool TryParse(string? text, out LogLevel level)
    {
        switch (text?.ToLowerInvariant())
        {
            case "trace": level = LogLevel.Trace; return true;
            case "debug": level = LogLevel.Debug; return true;
            case "info": level = LogLevel.Information; return true;
            case "warn" or "warning": level = LogLevel.Warning; return true;
            case "error": level = LogLevel.Error; return true;
            case "critical": level = LogLevel.Critical; return true;
            case "off": level = LogLevel.None; return true;
            default: level = LogLevel.Information; return false;
        }
    }

    /// <summary>The name of <paramref name="level"/> in <see cref="Names"/>.</summary>
    public static string NameOf(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "off",
    };
}
