using System;
using System.Collections.Generic;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>
    /// The page allocator: zones DMA [1 MiB, 16 MiB), DMA32 [16 MiB, 4 GiB) and Normal [4 GiB, end of RAM), with the
    /// kernel's fallback order (Normal → DMA32 → DMA). The first MiB is left out as firmware-reserved, so no object
    /// ever sits at physical (bus) address 0.
    /// </summary>
    internal sealed class PageAllocator
    {
        public const ulong DmaLimit = 16UL << 20;
        public const ulong Dma32Limit = 4UL << 30;
        private const ulong Reserved = 1UL << 20;

        private readonly Machine _machine;
        private readonly PhysicalMemory _mem;
        private readonly List<Zone> _zones = new List<Zone>();

        public PageAllocator(Machine machine, PhysicalMemory mem)
        {
            _machine = machine;
            _mem = mem;
            ulong end = mem.Size;
            const int s = PhysicalMemory.PageShift;
            _zones.Add(new Zone(ZoneId.Dma, "DMA", Reserved >> s, Math.Min(DmaLimit, end) >> s));
            if (end > DmaLimit) _zones.Add(new Zone(ZoneId.Dma32, "DMA32", DmaLimit >> s, Math.Min(Dma32Limit, end) >> s));
            if (end > Dma32Limit) _zones.Add(new Zone(ZoneId.Normal, "Normal", Dma32Limit >> s, end >> s));
        }

        public IReadOnlyList<Zone> Zones => _zones;

        /// <summary>The highest zone a GFP mask allows (gfp_zone).</summary>
        public static ZoneId ZoneFor(GfpFlags gfp) =>
            (gfp & GfpFlags.__GFP_DMA) != 0 ? ZoneId.Dma : (gfp & GfpFlags.__GFP_DMA32) != 0 ? ZoneId.Dma32 : ZoneId.Normal;

        /// <summary>The highest zone whose every address a device with this mask reaches.</summary>
        public static ZoneId ZoneForMask(ulong mask) =>
            mask < DmaLimit - 1 ? ZoneId.Dma : mask < Dma32Limit - 1 ? ZoneId.Dma32 : ZoneId.Normal;

        public static int OrderFor(long bytes)
        {
            int order = 0;
            while ((long)PhysicalMemory.PageSize << order < bytes) order++;
            return order;
        }

        /// <summary>
        /// Allocates 2^order pages from <paramref name="highest"/> or a lower zone, below <paramref name="maxPhys"/>.
        /// Returns the physical address, or null after a "page allocation failure" warning (unless __GFP_NOWARN).
        /// </summary>
        public ulong? Alloc(int order, ZoneId highest, GfpFlags gfp, ulong maxPhys = ulong.MaxValue)
        {
            if (order < 0 || order > Zone.MaxOrder)
            {
                if ((gfp & GfpFlags.__GFP_NOWARN) == 0)
                    _machine.Reports.Report("page_alloc", $"WARNING: at mm/page_alloc.c: __alloc_pages: order {order} > MAX_PAGE_ORDER {Zone.MaxOrder}");
                return null;
            }
            for (int i = _zones.Count - 1; i >= 0; i--)
            {
                Zone z = _zones[i];
                if (z.Id > highest) continue;
                ulong? pfn = z.Alloc(order, maxPhys);
                if (pfn is ulong p) return p << PhysicalMemory.PageShift;
            }
            if ((gfp & GfpFlags.__GFP_NOWARN) == 0)
                _machine.Reports.Report("page_alloc", $"{CpuContext.Name}: page allocation failure: order:{order}, mode:0x{(uint)gfp:x}, zone {highest}");
            return null;
        }

        /// <summary>Frees a block; false when it was not an allocated block of that order.</summary>
        public bool Free(ulong phys, int order)
        {
            ulong pfn = phys >> PhysicalMemory.PageShift;
            foreach (Zone z in _zones)
                if (z.Contains(pfn)) return z.Free(pfn, order);
            return false;
        }

        public Zone? ZoneOf(ulong phys)
        {
            ulong pfn = phys >> PhysicalMemory.PageShift;
            foreach (Zone z in _zones) if (z.Contains(pfn)) return z;
            return null;
        }
    }
}
