using System.Text;
using Junction.Host.Admin;
using Junction.Host.Logging;
using Microsoft.Extensions.Logging;

namespace Junction.IntegrationTests.Logging;

public sealed class StderrLoggerFactoryTests
{
    [Fact]
    public void LineHasTimestampLevelCategoryEventAndMessageOnOneLine()
    {
        var line = StderrLoggerFactory.Format(
            new DateTime(2026, 11, 22, 3, 19, 5, 123, DateTimeKind.Utc), LogLevel.Warning, "server", new EventId(7),
            "first\nsecond", new InvalidOperationException("broken\nbadly"));

        Assert.StartsWith("2026-11-22T03:19:05.123Z warn: server[7] first second System.InvalidOperationException: broken badly", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void MessagesBelowTheSwitchLevelAreNotWrittenAndAChangeAppliesAtOnce()
    {
        var output = new MemoryStream();
        var levels = new LogLevelSwitch(LogLevel.Warning);
        using (var loggers = new StderrLoggerFactory(levels, output))
        {
            var logger = loggers.CreateLogger("main");
            logger.LogInformation("hidden");
            levels.Level = LogLevel.Information;
            logger.LogInformation("shown");
        }

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.DoesNotContain("hidden", text, StringComparison.Ordinal);
        Assert.Contains("info: main[0] shown\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void LoggingDoesNotWaitForAStuckWriterAndTheDroppedLinesAreCounted()
    {
        var output = new GatedStream();
        var loggers = new StderrLoggerFactory(new LogLevelSwitch(LogLevel.Information), output);
        var logger = loggers.CreateLogger("main");

        logger.LogInformation("line 0");
        output.WaitUntilWriting();
        // The writer is stuck in its first write: these calls only queue, or drop once the queue is full.
        var extra = 100;
        for (var i = 1; i <= StderrLoggerFactory.QueueCapacity + extra; i++) logger.LogInformation("line {Number}", i);
        output.Release();
        loggers.Dispose();

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.EndsWith($"warn: logging[0] {extra} log line(s) dropped: the writer fell behind", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" line 0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($" line {StderrLoggerFactory.QueueCapacity}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.EndsWith($" line {StderrLoggerFactory.QueueCapacity + 1}", StringComparison.Ordinal));
    }

    /// <summary>A stream whose first write blocks until the test releases it.</summary>
    private sealed class GatedStream : MemoryStream
    {
        private readonly ManualResetEventSlim _writing = new();
        private readonly ManualResetEventSlim _released = new();

        public void WaitUntilWriting() => _writing.Wait();

        public void Release() => _released.Set();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _writing.Set();
            _released.Wait();
            base.Write(buffer);
        }
    }
}
