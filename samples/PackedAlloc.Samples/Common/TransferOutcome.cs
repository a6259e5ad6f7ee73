using System;
using System.Collections.Generic;
using System.Linq;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples
{
    /// <summary>
    /// One DMA buffer of a transfer and the CPU-owned object next to it: what the device wrote into the buffer and
    /// what the CPU read back after unmapping, what the CPU wrote into its neighbour while the DMA ran and what it
    /// reads there afterwards.
    /// </summary>
    public sealed record Slot(
        string Buffer, byte[] DeviceWrote, byte[] DeviceReadBack,
        string Neighbour, byte[] CpuWrote, byte[] CpuReadBack)
    {
        /// <summary>The device's write did not survive.</summary>
        public bool DeviceDataLost => !DeviceWrote.AsSpan().SequenceEqual(DeviceReadBack);

        /// <summary>The CPU's write to the neighbour did not survive.</summary>
        public bool CpuDataLost => !CpuWrote.AsSpan().SequenceEqual(CpuReadBack);
    }

    /// <summary>The result of running one driver transfer on an emulated machine.</summary>
    public sealed record TransferOutcome(string Driver, string Variant, bool Buggy, IReadOnlyList<Slot> Slots, IReadOnlyList<DebugReport> Reports)
    {
        public bool Corrupted => Slots.Any(s => s.DeviceDataLost || s.CpuDataLost);
        public int DeviceLostCount => Slots.Count(s => s.DeviceDataLost);
        public int CpuLostCount => Slots.Count(s => s.CpuDataLost);

        /// <summary>The dma-debug reports that match rule PA0001 (the runtime's twin of the static check).</summary>
        public IEnumerable<DebugReport> Pa0001Reports => Reports.Where(r => r.RuleId == "PA0001");

        /// <summary>The other reports (dma-debug without a rule id, slab, KASAN, leaks).</summary>
        public IEnumerable<DebugReport> OtherReports => Reports.Where(r => r.RuleId != "PA0001");

        /// <summary>Buggy transfers must corrupt data and dma-debug must say PA0001; fixed ones must be intact without a PA0001 report.</summary>
        public bool AsExpected => Buggy
            ? Corrupted && Pa0001Reports.Any()
            : !Corrupted && !Pa0001Reports.Any();
    }
}
