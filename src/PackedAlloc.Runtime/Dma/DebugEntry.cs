using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>Kinds of dma-debug entries (their names are the kernel's, typo included).</summary>
    internal enum MapType { Single, Page, Sg, Coherent }

    /// <summary>What a mapping or coherent allocation is when it is made: dma-debug copies it into an entry.</summary>
    internal readonly record struct MappingRecord(Device Dev, MapType Type, ulong DevAddr, ulong Paddr, int Size, DmaDirection Dir, CallerLocation MappedAt)
    {
        public ulong CpuAddr { get; init; }
        public int SgCallEnts { get; init; }
        public int SgMappedEnts { get; init; }
        public bool MapErrorCheckable { get; init; }
        public bool TracksCachelines { get; init; }
    }

    /// <summary>
    /// One tracked mapping or coherent allocation (<c>struct dma_debug_entry</c>). Entries are recycled by their device
    /// once unmapped, so none is read outside its device's lock: a report copies what it prints while it holds it.
    /// </summary>
    internal sealed class DebugEntry
    {
        private MappingRecord _record;

        public Device Dev => _record.Dev;
        public MapType Type => _record.Type;
        public ulong DevAddr => _record.DevAddr;
        public ulong Paddr => _record.Paddr;
        public int Size => _record.Size;
        public DmaDirection Dir => _record.Dir;
        public ulong CpuAddr => _record.CpuAddr;
        public int SgCallEnts => _record.SgCallEnts;
        public bool MapErrorCheckable => _record.MapErrorCheckable;
        public bool TracksCachelines => _record.TracksCachelines;
        public CallerLocation MappedAt => _record.MappedAt;
        public bool MapErrorChecked { get; set; }

        /// <summary>
        /// Whether the device owns the memory now: from a mapping for the device to write (FROM_DEVICE, BIDIRECTIONAL)
        /// or a sync for the device, until a sync for the CPU. A CPU access meanwhile is reported (PA0006).
        /// </summary>
        public bool DeviceOwns { get; set; }

        /// <summary>Makes this entry the record of a new mapping (a fresh or a recycled entry alike).</summary>
        public void Start(in MappingRecord record)
        {
            _record = record;
            MapErrorChecked = false;
            DeviceOwns = record.Type != MapType.Coherent && record.Dir != DmaDirection.DMA_TO_DEVICE;
        }
    }
}
