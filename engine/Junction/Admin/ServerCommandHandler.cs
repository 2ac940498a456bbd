namespace Junction.Host.Admin;

/// <summary><c>/ready</c>, <c>/healthcheck/fail</c>, <c>/healthcheck/ok</c> and <c>/quitquitquit</c>.</summary>
internal sealed class ServerCommandHandler(ServerState state)
{
    /// <summary>200 <c>LIVE</c>, or 503 with the state (<c>DRAINING</c>) while draining or failing health checks.</summary>
    public AdminResponse Ready(AdminRequest request) =>
        state.IsLive ? AdminResponse.Ok("LIVE\n") : AdminResponse.Text(503, state.StateName + "\n");

    public AdminResponse HealthCheckFail(AdminRequest request)
    {
        state.HealthCheckFailed = true;
        return AdminResponse.Ok();
    }

    public AdminResponse HealthCheckOk(AdminRequest request)
    {
        state.HealthCheckFailed = false;
        return AdminResponse.Ok();
    }

    /// <summary>Answers first, then starts the same graceful shutdown as SIGTERM.</summary>
    public AdminResponse QuitQuitQuit(AdminRequest request) =>
        AdminResponse.Ok() with { OnSent = () => state.RequestShutdown("POST /quitquitquit") };
}
