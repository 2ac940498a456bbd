using System.Diagnostics;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition with a deadline (never a fixed sleep): polls briefly until it holds.</summary>
internal static class Eventually
{
    public static async Task AssertAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (deadline.Elapsed > limit) throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#}s waiting for: {what}");
            await Task.Delay(10);
        }
    }
}
