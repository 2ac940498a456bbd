namespace Junction.Http.ConnectionManager;

/// <summary>
/// A shadow request (a route mirror) whose head is ready and which waits for the request body to
/// complete: <paramref name="Send"/> starts it with the kept body (a copy is the shadow's own).
/// </summary>
internal sealed record PendingShadow(Action<ReadOnlyMemory<byte>> Send);
