using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Linq;

namespace PackedAlloc.Benchmarks
{
    /// <summary>
    /// Which types the analysis allocates most, from the runtime's allocation-tick events (one about every 100 KB
    /// allocated, naming the type that crossed the mark): a sampling allocation profile with no tool attached.
    /// </summary>
    internal sealed class AllocationSampler : EventListener
    {
        private const EventKeywords GcKeyword = (EventKeywords)0x1;
        private readonly ConcurrentDictionary<string, long> _ticksByType = new ConcurrentDictionary<string, long>();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, GcKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs data)
        {
            if (data.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && data.Payload != null && data.PayloadNames != null)
            {
                int index = data.PayloadNames.IndexOf("TypeName");
                string type = index >= 0 ? data.Payload[index]?.ToString() ?? "?" : "?";
                _ticksByType.AddOrUpdate(type, 1, (_, ticks) => ticks + 1);
            }
        }

        public override void Dispose()
        {
            base.Dispose();
            Console.WriteLine("allocation ticks (~100 KB each) by type:");
            foreach (var pair in _ticksByType.OrderByDescending(p => p.Value).Take(25))
            {
                Console.WriteLine($"{pair.Value,6} {pair.Key}");
            }
        }
    }
}
