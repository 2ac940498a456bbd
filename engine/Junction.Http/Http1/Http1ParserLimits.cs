namespace Junction.Http.Http1;

/// <summary>
/// Size limits the HTTP/1 parser enforces while it reads, so that no peer can make it buffer more
/// than these many bytes waiting for a line to end. Built once from configuration, shared by all
/// connections of a listener or cluster.
/// </summary>
internal sealed record Http1ParserLimits
{
    public static Http1ParserLimits Default { get; } = new();

    /// <summary>Longest request or status line, CRLF included (Envoy and Kestrel use 8–16 KiB).</summary>
    public int MaxStartLineBytes { get; init; } = 16 * 1024;

    /// <summary>
    /// Most bytes of field lines in one header section (and, separately, in one trailer section),
    /// CRLFs included, start line and the final empty line not included. 60 KiB is Envoy's default
    /// <c>max_request_headers_kb</c>.
    /// </summary>
    public int MaxHeaderBytes { get; init; } = 60 * 1024;

    /// <summary>Most field lines in one header (or trailer) section; Envoy's <c>max_headers_count</c> default.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Longest chunk-size line (size, extensions, CRLF). Extensions are ignored, so this only bounds waste.</summary>
    public int MaxChunkLineBytes { get; init; } = 4 * 1024;

    /// <summary>Largest size one chunk may announce.</summary>
    public long MaxChunkSize { get; init; } = long.MaxValue;
}
