namespace Junction.Core.AccessLog;

/// <summary>
/// One piece of a parsed format: literal text, or an operator with its arguments (a header name and its
/// fallback for REQ(X?Y), a strftime pattern for START_TIME, a maximum length from the ":N" suffix).
/// </summary>
internal sealed record LogSegment(LogOperator Operator, string Text = "", string? Fallback = null, int MaxLength = -1)
{
    /// <summary>True for operators whose value is a number (typed as such in JSON output).</summary>
    public bool IsNumeric => Operator is LogOperator.Duration or LogOperator.BytesReceived or
        LogOperator.BytesSent or LogOperator.ResponseCode;
}
