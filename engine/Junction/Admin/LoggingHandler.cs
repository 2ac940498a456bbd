using Junction.Http.Http1;
using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>
/// <c>/logging</c>: GET (or POST without parameters) prints the active level; <c>POST
/// /logging?level=LEVEL</c> changes it for the whole process at once. Junction has one level for all
/// loggers, so Envoy's per-logger parameters (<c>paths</c>, <c>NAME=LEVEL</c>) are refused.
/// </summary>
internal sealed class LoggingHandler(LogLevelSwitch levels, ILogger logger)
{
    public AdminResponse Logging(AdminRequest request)
    {
        if (request.Query.Count == 0) return Active();
        if (request.Method != Http1Method.Post)
        {
            return AdminResponse.Text(405, $"Method {request.MethodName} not allowed, POST required to change the log level.\n") with { Allow = "POST" };
        }
        if (request.Query.Count != 1 || !request.Query.TryGetValue("level", out var text))
        {
            return AdminResponse.Text(400, "usage: POST /logging?level=LEVEL, where LEVEL is one of: " + string.Join(", ", LogLevelSwitch.Names) + "\n");
        }
        if (!LogLevelSwitch.TryParse(text, out var level))
        {
            return AdminResponse.Text(400, $"error: unknown log level '{text}'; use one of: {string.Join(", ", LogLevelSwitch.Names)}\n");
        }
        levels.Level = level;
        logger.LogInformation("log level set to {Level} (admin)", LogLevelSwitch.NameOf(level));
        return Active();
    }

    private AdminResponse Active() => AdminResponse.Ok($"active log level: {LogLevelSwitch.NameOf(levels.Level)}\n");
}
