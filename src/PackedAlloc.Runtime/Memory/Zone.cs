using System;
using System.Collections.Generic;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>Memory zones as on a 64-bit kernel with ZONE_DMA, ZONE_DMA32 and ZONE_NORMAL.</summary>
    internal enum ZoneId { Dma = 0, Dma32 = 1, Normal = 2 }

    /// <summary>
    /// One zone's buddy allocator (mm/page_alloc.c in miniature): free lists per order 0..MAX_PAGE_ORDER keyed by
    /// page frame number, blocks split on allocation and merged with their buddy on free. Sorted sets make the
    /// lowest free block win, so layouts are deterministic.
    /// </summary>
    internal sealed class Zone
    {
        public const int MaxOrder = 10;

        private readonly object _lock = new object();
        private readonly SortedSet<ulong>[] _free = new SortedSet<ulong>[MaxOrder + 1];
        private readonly Dictionary<ulong, int> _allocated = new Dictionary<ulong, int>();
        private long _freePages;

        public Zone(ZoneId id, string name, ulong startPfn, ulong endPfn)
        {
            Id = id;
            Name = name;
            StartPfn = startPfn;
            EndPfn = endPfn;
            for (int o = 0; o <= MaxOrder; o++) _free[o] = new SortedSet<ulong>();
            // Cut [start, end) into the largest naturally aligned blocks.
            ulong pfn = startPfn;
            while (pfn < endPfn)
            {
                int order = MaxOrder;
                while (order > 0 && ((pfn & ((1UL << order) - 1)) != 0 || pfn + (1UL << order) > endPfn)) order--;
                _free[order].Add(pfn);
                _freePages += 1L << order;
                pfn += 1UL << order;
            }
            ManagedPages = _freePages;
        }

        public ZoneId Id { get; }
        public string Name { get; }
        public ulong StartPfn { get; }
        public ulong EndPfn { get; }
        public long ManagedPages { get; }

        public long FreePages
        {
            get { lock (_lock) return _freePages; }
        }

        /// <summary>Allocates 2^order pages whose last byte is at or below <paramref name="maxPhys"/>; null when none.</summary>
        public ulong? Alloc(int order, ulong maxPhys)
        {
            lock (_lock)
            {
                for (int o = order; o <= MaxOrder; o++)
                {
                    if (_free[o].Count == 0) continue;
                    ulong pfn = _free[o].Min;
                    if (((pfn + (1UL << order)) << PhysicalMemory.PageShift) - 1 > maxPhys) continue; // too high; a larger order may hold a lower block
                    _free[o].Remove(pfn);
                    // Split: give back the upper halves.
                    for (int k = o; k > order; k--) _free[k - 1].Add(pfn + (1UL << (k - 1)));
                    _allocated.Add(pfn, order);
                    _freePages -= 1L << order;
                    return pfn;
                }
                return null;
            }
        }

        /// <summary>Frees a block; returns false (and changes nothing) when it is not an allocated block of that order.</summary>
        public bool Free(ulong pfn, int order)
        {
            lock (_lock)
            {
                if (!_allocated.TryGetValue(pfn, out int had) || had != order) return false;
                _allocated.Remove(pfn);
                _freePages += 1L << order;
                while (order < MaxOrder)
                {
                    ulong buddy = pfn ^ (1UL << order);
                    if (buddy < StartPfn || buddy >= EndPfn || !_free[order].Remove(buddy)) break;
                    pfn = Math.Min(pfn, buddy);
                    order++;
                }
                _free[order].Add(pfn);
                return true;
            }
        }

        public bool Contains(ulong pfn) => pfn >= StartPfn && pfn < EndPfn;
    }
}
