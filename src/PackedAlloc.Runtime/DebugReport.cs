using System;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// One report of the emulated kernel: a dma-debug error, a slab or KASAN report, a WARN or BUG. Each is written to
    /// the machine's kernel log (<see cref="MachineOptions.Log"/>) as it happens and kept in <see cref="Machine.DebugReports"/>.
    /// </summary>
    public sealed class DebugReport
    {
        internal DebugReport(string subsystem, string message, string? ruleId, string? deviceName, TimeSpan timestamp)
        {
            Subsystem = subsystem;
            Message = message;
            RuleId = ruleId;
            DeviceName = deviceName;
            Timestamp = timestamp;
        }

        /// <summary>The kernel's text (for dma-debug: with the "DMA-API: driver device: " prefix).</summary>
        public string Message { get; }

        /// <summary>The matching static rule (e.g. "PA0001") when there is one.</summary>
        public string? RuleId { get; }

        /// <summary>Where the report comes from: "dma-debug", "swiotlb", "slab", "kasan", "sched", "dma-direct", "dma-pool", "page_alloc".</summary>
        public string Subsystem { get; }

        /// <summary>The device concerned, if any.</summary>
        public string? DeviceName { get; }

        /// <summary>When the report was made: the time since the machine booted, as the kernel log's <c>[seconds.micros]</c> prefix shows it.</summary>
        public TimeSpan Timestamp { get; }

        /// <inheritdoc/>
        public override string ToString() => RuleId is null ? Message : $"[{RuleId}] {Message}";
    }

    /// <summary>
    /// A kernel BUG or a report turned into an exception: double or invalid frees, spinlock misuse, and (when the
    /// machine's <see cref="Machine.ThrowOnDebugReport"/> is set) every <see cref="DebugReport"/>.
    /// </summary>
    public class KernelBugException : InvalidOperationException
    {
        /// <summary>Creates the exception for a report.</summary>
        public KernelBugException(DebugReport report) : base(report.Message) => Report = report;

        /// <summary>The report.</summary>
        public DebugReport Report { get; }
    }

    /// <summary>A KASAN-style report: use-after-free, out-of-bounds access, double or invalid free.</summary>
    public sealed class KasanException : KernelBugException
    {
        /// <summary>Creates the exception for a report.</summary>
        public KasanException(DebugReport report) : base(report) { }
    }
}
