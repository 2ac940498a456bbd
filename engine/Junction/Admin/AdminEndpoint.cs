namespace Junction.Host.Admin;

/// <summary>One admin path and what serves it.</summary>
/// <param name="Path">The exact path, e.g. <c>/stats/prometheus</c>.</param>
/// <param name="Help">One line for the index and the 404 page.</param>
/// <param name="MutatesState">
/// True for endpoints that change the server (<c>/quitquitquit</c>, <c>/healthcheck/fail</c>, ...): as in
/// Envoy they answer only POST, and any other method gets 405 without the change happening.
/// Read-only endpoints answer GET, HEAD and POST.
/// </param>
/// <param name="Handler">Builds the response; runs on the connection's task, so it must not block.</param>
internal sealed record AdminEndpoint(string Path, string Help, bool MutatesState, Func<AdminRequest, AdminResponse> Handler);
