namespace Junction.Core.AccessLog;

/// <summary>
/// Parses Envoy's text format strings: literal text with <c>%OPERATOR%</c>, <c>%OPERATOR(arg)%</c> and
/// <c>%OPERATOR(arg):N%</c> command operators; <c>%%</c> is a literal percent sign.
/// </summary>
internal static class LogFormatParser
{
    /// <summary>Envoy's default format for access logs.</summary>
    public const string DefaultFormat =
        "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% " +
        "%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" " +
        "\"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

    private static readonly Dictionary<string, LogOperator> s_plain = new(StringComparer.Ordinal)
    {
        ["START_TIME"] = LogOperator.StartTime,
        ["DURATION"] = LogOperator.Duration,
        ["BYTES_RECEIVED"] = LogOperator.BytesReceived,
        ["BYTES_SENT"] = LogOperator.BytesSent,
        ["PROTOCOL"] = LogOperator.Protocol,
        ["RESPONSE_CODE"] = LogOperator.ResponseCode,
        ["RESPONSE_FLAGS"] = LogOperator.ResponseFlags,
        ["UPSTREAM_HOST"] = LogOperator.UpstreamHost,
        ["UPSTREAM_CLUSTER"] = LogOperator.UpstreamCluster,
        ["UPSTREAM_LOCAL_ADDRESS"] = LogOperator.UpstreamLocalAddress,
        ["DOWNSTREAM_REMOTE_ADDRESS"] = LogOperator.DownstreamRemoteAddress,
        ["DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT"] = LogOperator.DownstreamRemoteAddressWithoutPort,
        ["DOWNSTREAM_DIRECT_REMOTE_ADDRESS"] = LogOperator.DownstreamDirectRemoteAddress,
        ["DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT"] = LogOperator.DownstreamDirectRemoteAddressWithoutPort,
        ["DOWNSTREAM_LOCAL_ADDRESS"] = LogOperator.DownstreamLocalAddress,
        ["DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT"] = LogOperator.DownstreamLocalAddressWithoutPort,
        ["ROUTE_NAME"] = LogOperator.RouteName,
        ["CONNECTION_TERMINATION_DETAILS"] = LogOperator.ConnectionTerminationDetails,
    };

    /// <summary>Parses <paramref name="format"/>; returns null and sets <paramref name="error"/> when it is invalid.</summary>
    public static IReadOnlyList<LogSegment>? Parse(string format, out string? error)
    {
        var segments = new List<LogSegment>();
        var literal = new System.Text.StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                literal.Append(c);
                i++;
                continue;
            }
            if (i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i += 2;
                continue;
            }
            var end = FindOperatorEnd(format, i + 1);
            if (end < 0)
            {
                error = $"unterminated command operator at offset {i} (a literal percent sign is written %%)";
                return null;
            }
            if (literal.Length > 0)
            {
                segments.Add(new LogSegment(LogOperator.Literal, literal.ToString()));
                literal.Clear();
            }
            var segment = ParseOperator(format.Substring(i + 1, end - i - 1), out error);
            if (segment is null) return null;
            segments.Add(segment);
            i = end + 1;
        }
        if (literal.Length > 0) segments.Add(new LogSegment(LogOperator.Literal, literal.ToString()));
        error = null;
        return segments;
    }

    // The closing '%' of an operator; parentheses may contain '%' (START_TIME patterns do).
    private static int FindOperatorEnd(string format, int start)
    {
        var depth = 0;
        for (var i = start; i < format.Length; i++)
        {
            switch (format[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '%' when depth == 0:
                    return i;
            }
        }
        return -1;
    }

    private static LogSegment? ParseOperator(string text, out string? error)
    {
        error = null;
        var maxLength = -1;
        string name;
        string? argument = null;
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var rest = text;
        if (open >= 0)
        {
            var close = text.LastIndexOf(')');
            if (close < open)
            {
                error = $"command operator '%{text}%' has an unclosed parenthesis";
                return null;
            }
            name = text[..open];
            argument = text[(open + 1)..close];
            rest = text[(close + 1)..];
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            name = colon >= 0 ? text[..colon] : text;
            rest = colon >= 0 ? text[colon..] : "";
        }
        if (rest.Length > 0)
        {
            if (rest[0] != ':' || !int.TryParse(rest.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out maxLength))
            {
                error = $"command operator '%{text}%' has an invalid length suffix (expected ':N')";
                return null;
            }
        }

        switch (name)
        {
            case "REQ":
            case "RESP":
                if (string.IsNullOrEmpty(argument))
                {
                    error = $"command operator '%{name}%' needs a header name, e.g. %{name}(user-agent)%";
                    return null;
                }
                var question = argument.IndexOf('?', StringComparison.Ordinal);
                var header = question >= 0 ? argument[..question] : argument;
                var fallback = question >= 0 ? argument[(question + 1)..] : null;
                return new LogSegment(name == "REQ" ? LogOperator.RequestHeader : LogOperator.ResponseHeader,
                    header.ToLowerInvariant(), fallback?.ToLowerInvariant(), maxLength);
            case "START_TIME":
                return new LogSegment(LogOperator.StartTime, argument ?? "", null, maxLength);
        }
        if (argument is not null || !s_plain.TryGetValue(name, out var op))
        {
            error = $"unknown command operator '%{text}%'";
            return null;
        }
        return new LogSegment(op, "", null, maxLength);
    }
}
