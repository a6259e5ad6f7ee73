using System;
using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// One atomic coherent pool (kernel/dma/pool.c): a gen_pool with first-fit, order-aligned allocation, over chunks
    /// that are already uncached (prepared once when added), so that GFP_ATOMIC callers never remap or sleep. Grown by
    /// the machine's worker, never shrunk. The dma_alloc_coherent pools hand out pages; the bounce pool of
    /// <see cref="CoherentPoolBounce"/> hands out DMA-aligned granules (gen_pool_create's min_alloc_order).
    /// </summary>
    internal sealed class AtomicPool
    {
        private sealed class Chunk
        {
            public Chunk(ulong start, int granules, int granuleShift)
            {
                Start = start;
                Used = new bool[granules];
                End = start + ((ulong)granules << granuleShift);
            }

            public ulong Start { get; }
            public ulong End { get; }
            public bool[] Used { get; }
            public int Granules => Used.Length;
        }

        private readonly object _lock = new object();
        private readonly int _granuleShift;
        private readonly Dictionary<ulong, int> _allocs = new Dictionary<ulong, int>(); // start → granules
        private long _sizeGranules;
        private long _availGranules;

        // The chunks, in an array replaced whole when one is added (the pool never shrinks): Contains, on every unmap
        // and sync of a machine that bounces through this pool, reads it without the lock, as gen_pool_has_addr walks
        // its chunk list under RCU.
        private Chunk[] _chunks = Array.Empty<Chunk>();

        public AtomicPool(ZoneId zone, int granuleShift = PhysicalMemory.PageShift)
        {
            Zone = zone;
            _granuleShift = granuleShift;
        }

        public ZoneId Zone { get; }

        /// <summary>Bytes of one allocation unit.</summary>
        public int Granule => 1 << _granuleShift;

        public long SizeBytes { get { lock (_lock) return _sizeGranules << _granuleShift; } }

        public long AvailBytes { get { lock (_lock) return _availGranules << _granuleShift; } }

        /// <summary>Adds a chunk of 2^<paramref name="pageOrder"/> pages at <paramref name="start"/>.</summary>
        public void AddChunk(ulong start, int pageOrder)
        {
            int granules = (int)(((long)PhysicalMemory.PageSize << pageOrder) >> _granuleShift);
            lock (_lock)
            {
                var next = new Chunk[_chunks.Length + 1];
                _chunks.CopyTo(next, 0);
                next[^1] = new Chunk(start, granules, _granuleShift);
                Volatile.Write(ref _chunks, next);
                _sizeGranules += granules;
                _availGranules += granules;
            }
        }

        /// <summary>gen_pool_first_fit_order_align: the first free run of 2^order granules at an order-aligned offset.</summary>
        public ulong? Alloc(int order, ulong maxPhys)
        {
            int n = 1 << order;
            lock (_lock)
            {
                foreach (Chunk c in _chunks)
                {
                    for (int i = 0; i + n <= c.Granules; i += n)
                    {
                        ulong start = c.Start + ((ulong)i << _granuleShift);
                        if (start + ((ulong)n << _granuleShift) - 1 > maxPhys) break;
                        bool free = true;
                        for (int k = i; k < i + n; k++) if (c.Used[k]) { free = false; break; }
                        if (!free) continue;
                        for (int k = i; k < i + n; k++) c.Used[k] = true;
                        _allocs[start] = n;
                        _availGranules -= n;
                        return start;
                    }
                }
                return null;
            }
        }

        /// <summary>Whether <paramref name="phys"/> lies in one of the pool's chunks (gen_pool_has_addr), without the lock.</summary>
        public bool Has(ulong phys)
        {
            foreach (Chunk c in Volatile.Read(ref _chunks))
                if (phys >= c.Start && phys < c.End) return true;
            return false;
        }

        /// <summary>Frees an allocation; false when <paramref name="phys"/> is not the start of one.</summary>
        public bool Free(ulong phys)
        {
            lock (_lock)
            {
                if (!_allocs.Remove(phys, out int n)) return false;
                foreach (Chunk c in _chunks)
                {
                    if (phys < c.Start || phys >= c.End) continue;
                    int i = (int)((phys - c.Start) >> _granuleShift);
                    for (int k = i; k < i + n; k++) c.Used[k] = false;
                    break;
                }
                _availGranules += n;
                return true;
            }
        }

        /// <summary>The allocations' starts and lengths in bytes (for the invariants tests check).</summary>
        public List<(ulong Start, long Bytes)> Allocations()
        {
            lock (_lock)
            {
                var list = new List<(ulong, long)>(_allocs.Count);
                foreach (var a in _allocs) list.Add((a.Key, (long)a.Value << _granuleShift));
                return list;
            }
        }
    }
}
