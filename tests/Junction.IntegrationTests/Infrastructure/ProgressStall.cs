using System.Diagnostics;

namespace Junction.IntegrationTests.Infrastructure;

/// <summary>
/// Waits for a sender to stop making progress, which is how backpressure shows from outside: the bytes a
/// socket has taken stop growing. This is a quiescence check, so it does poll for a quiet period.
/// </summary>
internal static class ProgressStall
{
    /// <summary>
    /// Polls <paramref name="progress"/> until it has not moved for <paramref name="quietFor"/> (half a second
    /// by default) and returns where it stopped. Fails when it keeps moving past <paramref name="timeout"/>
    /// (20 s by default) or when <paramref name="sender"/> finishes, since then nothing held it back.
    /// </summary>
    public static async Task<long> WaitAsync(Func<long> progress, Task sender, TimeSpan? quietFor = null, TimeSpan? timeout = null)
    {
        var quiet = quietFor ?? TimeSpan.FromMilliseconds(500);
        var last = progress();
        var lastChange = Stopwatch.StartNew();
        await Eventually.AssertAsync(() =>
        {
            if (sender.IsCompleted) throw new InvalidOperationException($"the sender finished after {progress()} bytes: nothing held it back");
            var now = progress();
            if (now != last)
            {
                last = now;
                lastChange.Restart();
            }
            return lastChange.Elapsed >= quiet;
        }, "the sender to stall", timeout ?? TimeSpan.FromSeconds(20));
        return last;
    }
}
