using Microsoft.Extensions.Logging;

namespace Junction.Host.Admin;

/// <summary>The options the process was started with, as <c>/server_info</c> reports them.</summary>
/// <param name="ConfigPath">The <c>-c</c> file, or null for the embedded default configuration.</param>
internal sealed record CommandLineOptions(string? ConfigPath, LogLevel LogLevel, TimeSpan DrainTime);
