namespace Junction.IntegrationTests.Admin;

/// <summary>One junction process shared by the tests of a class that only read from admin (or change nothing lasting).</summary>
public sealed class AdminFixture : IAsyncLifetime
{
    private AdminJunction? _junction;

    internal AdminJunction Junction => _junction ?? throw new InvalidOperationException("the fixture has not started");

    public async Task InitializeAsync() => _junction = await AdminJunction.StartAsync("--drain-time", "7s");

    public async Task DisposeAsync()
    {
        if (_junction is not null) await _junction.DisposeAsync();
    }
}
