using System;
using System.Collections.Generic;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// One atomic coherent pool (kernel/dma/pool.c): a gen_pool of page granularity with first-fit, order-aligned
    /// allocation, over chunks that are already uncached (prepared once when added), so that GFP_ATOMIC callers
    /// never remap or sleep. Grown by the machine's worker, never shrunk.
    /// </summary>
    internal sealed class AtomicPool
    {
        private sealed class Chunk
        {
            public Chunk(ulong start, int order) { Start = start; Order = order; Used = new bool[1 << order]; }
            public ulong Start { get; }
            public int Order { get; }
            public bool[] Used { get; }
            public int Pages => Used.Length;
        }

        private readonly object _lock = new object();
        private readonly List<Chunk> _chunks = new List<Chunk>();
        private readonly Dictionary<ulong, int> _allocs = new Dictionary<ulong, int>(); // start → pages
        private long _sizePages;
        private long _availPages;

        public AtomicPool(ZoneId zone) => Zone = zone;

        public ZoneId Zone { get; }

        public long SizeBytes { get { lock (_lock) return _sizePages * PhysicalMemory.PageSize; } }

        public long AvailBytes { get { lock (_lock) return _availPages * PhysicalMemory.PageSize; } }

        public void AddChunk(ulong start, int order)
        {
            lock (_lock)
            {
                _chunks.Add(new Chunk(start, order));
                _sizePages += 1L << order;
                _availPages += 1L << order;
            }
        }

        /// <summary>gen_pool_first_fit_order_align: the first free run of 2^order pages at an order-aligned offset.</summary>
        public ulong? Alloc(int order, ulong maxPhys)
        {
            int n = 1 << order;
            lock (_lock)
            {
                foreach (Chunk c in _chunks)
                {
                    for (int i = 0; i + n <= c.Pages; i += n)
                    {
                        ulong start = c.Start + ((ulong)i << PhysicalMemory.PageShift);
                        if (start + ((ulong)n << PhysicalMemory.PageShift) - 1 > maxPhys) break;
                        bool free = true;
                        for (int k = i; k < i + n; k++) if (c.Used[k]) { free = false; break; }
                        if (!free) continue;
                        for (int k = i; k < i + n; k++) c.Used[k] = true;
                        _allocs[start] = n;
                        _availPages -= n;
                        return start;
                    }
                }
                return null;
            }
        }

        public bool Has(ulong phys)
        {
            lock (_lock)
            {
                foreach (Chunk c in _chunks)
                    if (phys >= c.Start && phys < c.Start + ((ulong)c.Pages << PhysicalMemory.PageShift)) return true;
                return false;
            }
        }

        /// <summary>Frees an allocation; false when <paramref name="phys"/> is not the start of one.</summary>
        public bool Free(ulong phys)
        {
            lock (_lock)
            {
                if (!_allocs.Remove(phys, out int n)) return false;
                foreach (Chunk c in _chunks)
                {
                    if (phys < c.Start || phys >= c.Start + ((ulong)c.Pages << PhysicalMemory.PageShift)) continue;
                    int i = (int)((phys - c.Start) >> PhysicalMemory.PageShift);
                    for (int k = i; k < i + n; k++) c.Used[k] = false;
                    break;
                }
                _availPages += n;
                return true;
            }
        }
    }
}
