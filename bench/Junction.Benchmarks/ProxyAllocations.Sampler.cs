using System.Diagnostics.Tracing;

namespace Junction.Benchmarks;

internal static partial class ProxyAllocations
{
    /// <summary>
    /// Attributes allocations to types without an external tool: listens in-process to the runtime's
    /// GCAllocationTick events (raised about once per 100 KB allocated, naming the type whose allocation
    /// crossed the mark) and sums the amounts by type. A statistical profile: types allocated per request
    /// show up in proportion to their bytes. The listener allocates a little per event itself (its
    /// payload), which is why the bytes/request figures are measured in a run without it.
    /// </summary>
    private sealed class AllocationSampler : EventListener
    {
        private const EventKeywords GcKeyword = (EventKeywords)0x1;

        private readonly Dictionary<string, long> _bytesByType = new();
        private readonly Lock _lock = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal)) return;
            var names = eventData.PayloadNames!;
            var type = names.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload![t] as string ?? "?" : "?";
            var amountIndex = names.IndexOf("AllocationAmount64");
            var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload![amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            lock (_lock)
            {
                _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
            }
        }

        public IReadOnlyDictionary<string, long> Snapshot()
        {
            lock (_lock) return new Dictionary<string, long>(_bytesByType);
        }
    }
}
