using Junction.Configuration;

namespace Junction.Core.AccessLog;

/// <summary>
/// Binds an Envoy <c>access_log</c> list (stdout, stderr and file loggers; text or JSON formats) into a
/// logger, reporting errors on the configuration nodes.
/// </summary>
internal static class AccessLogBinder
{
    private const string StdoutType = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
    private const string StderrType = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
    private const string FileType = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";

    public static FormattedAccessLogger Bind(ConfigSequence? accessLogs, AccessLogSinks sinks)
    {
        if (accessLogs is null) return FormattedAccessLogger.Disabled;
        var loggers = new List<(LogFormat, AccessLogSink)>();
        foreach (var entry in accessLogs.Maps())
        {
            var name = entry.String("name");
            entry.Unsupported("filter", "access log filters");
            var typed = entry.Map("typed_config", required: true);
            entry.RejectUnknownFields();
            if (typed is null) continue;

            var type = typed.String("@type");
            var kind = (type ?? name) switch
            {
                StdoutType or "envoy.access_loggers.stdout" => "stdout",
                StderrType or "envoy.access_loggers.stderr" => "stderr",
                FileType or "envoy.access_loggers.file" => "file",
                _ => null,
            };
            if (kind is null)
            {
                (typed.Node("@type") ?? (ConfigNode)entry).Error(
                    $"unknown access logger '{type ?? name}' (supported: envoy.access_loggers.stdout, envoy.access_loggers.stderr, envoy.access_loggers.file)");
                continue;
            }

            var path = kind switch
            {
                "stdout" => "/dev/stdout",
                "stderr" => "/dev/stderr",
                _ => typed.String("path", required: true),
            };
            LogFormat? format;
            if (kind == "file" && (typed.Has("format") || typed.Has("json_format")))
            {
                // The deprecated v3 FileAccessLog fields, still common in examples.
                format = typed.Has("json_format")
                    ? BindJson(typed.Map("json_format")!)
                    : BindText(typed.Node("format")!);
            }
            else
            {
                format = BindLogFormat(typed.Map("log_format"));
            }
            typed.RejectUnknownFields();
            if (path is null || format is null) continue;

            try
            {
                loggers.Add((format, sinks.Get(path)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                (typed.Node("path") ?? typed).Error($"cannot open access log '{path}' for appending: {ex.Message}");
            }
        }
        return loggers.Count == 0 ? FormattedAccessLogger.Disabled : new FormattedAccessLogger(loggers);
    }

    /// <summary>Binds a SubstitutionFormatString (<c>log_format</c>); Envoy's default format when absent.</summary>
    private static LogFormat? BindLogFormat(ConfigMap? logFormat)
    {
        if (logFormat is null) return Text(LogFormatParser.DefaultFormat, null);
        LogFormat? format = null;
        var count = 0;
        if (logFormat.Node("text_format") is { } textFormat)
        {
            count++;
            format = BindText(textFormat);
        }
        if (logFormat.Map("text_format_source") is { } source)
        {
            count++;
            var inline = source.Node("inline_string", required: true);
            source.Unsupported("filename", "use inline_string");
            source.RejectUnknownFields();
            if (inline is not null) format = BindText(inline);
        }
        if (logFormat.Map("json_format") is { } json)
        {
            count++;
            format = BindJson(json);
        }
        logFormat.Unsupported("formatters");
        logFormat.Unsupported("typed_json_format");
        logFormat.Unsupported("content_type");
        logFormat.Bool("omit_empty_values", false);
        logFormat.RejectUnknownFields();
        if (count > 1)
        {
            logFormat.Error("set only one of text_format, text_format_source and json_format");
            return null;
        }
        return count == 0 ? Text(LogFormatParser.DefaultFormat, logFormat) : format;
    }

    private static LogFormat? BindText(ConfigNode node)
    {
        if (node is not ConfigScalar scalar)
        {
            node.Error($"expected a format string, found {node.KindName}");
            return null;
        }
        return Text(scalar.Value, scalar);
    }

    private static TextLogFormat? Text(string format, ConfigNode? node)
    {
        var segments = LogFormatParser.Parse(format, out var error);
        if (segments is null)
        {
            node?.Error(error!);
            return null;
        }
        return new TextLogFormat(segments);
    }

    private static JsonLogFormat? BindJson(ConfigMap json)
    {
        var fields = BindJsonFields(json);
        return fields is null ? null : new JsonLogFormat(fields);
    }

    private static List<JsonLogFormat.Field>? BindJsonFields(ConfigMap json)
    {
        var fields = new List<JsonLogFormat.Field>();
        var ok = true;
        foreach (var (key, value) in json.Entries)
        {
            json.MarkRead(key.Value);
            switch (value)
            {
                case ConfigScalar scalar:
                    var segments = LogFormatParser.Parse(scalar.Value, out var error);
                    if (segments is null)
                    {
                        scalar.Error(error!);
                        ok = false;
                        continue;
                    }
                    fields.Add(new JsonLogFormat.Field(key.Value, segments, null));
                    break;
                case ConfigMap nested:
                    var nestedFields = BindJsonFields(nested);
                    if (nestedFields is null) ok = false;
                    else fields.Add(new JsonLogFormat.Field(key.Value, null, nestedFields));
                    break;
                default:
                    value.Error($"expected a format string or a mapping, found {value.KindName}");
                    ok = false;
                    break;
            }
        }
        return ok ? fields : null;
    }
}
