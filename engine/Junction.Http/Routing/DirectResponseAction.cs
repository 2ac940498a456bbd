namespace Junction.Http.Routing;

/// <summary>A route's <c>direct_response</c>: the status and body to answer with, read once when bound.</summary>
internal sealed class DirectResponseAction
{
    /// <summary>Creates the action.</summary>
    public DirectResponseAction(int status, byte[] body)
    {
        Status = status;
        Body = body;
    }

    /// <summary>The status code, 200–599 (Envoy's range).</summary>
    public int Status { get; }

    /// <summary>The body; empty when none was configured. Shared by every response: do not modify.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
