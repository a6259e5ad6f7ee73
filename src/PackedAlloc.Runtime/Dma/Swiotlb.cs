using System;
using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// The software IO TLB (kernel/dma/swiotlb.c): bounce buffers in 2 KiB slots, 128-slot segments, per-area locks,
    /// the original address kept per slot, and — with <see cref="MachineOptions.SwiotlbDynamic"/> — growth by
    /// transient pools plus a background worker, as CONFIG_SWIOTLB_DYNAMIC does.
    /// </summary>
    public sealed class Swiotlb
    {
        internal const int IO_TLB_SHIFT = 11;
        internal const int IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
        internal const int IO_TLB_SEGSIZE = 128;
        internal const int IO_TLB_MIN_SLABS = (1 << 20) >> IO_TLB_SHIFT;
        internal const ulong InvalidPhys = ulong.MaxValue;
        // SLABS_PER_PAGE << MAX_PAGE_ORDER: a grown pool is one order-10 block (4 MiB).
        private const int MaxGrowSlabs = (PhysicalMemory.PageSize / IO_TLB_SIZE) << Zone.MaxOrder;

        private readonly Machine _machine;
        private readonly object _poolsLock = new object();

        // Pool lookup by address on every unmap/sync: an immutable array sorted by start address, replaced
        // wholesale (copy-on-write under _poolsLock) when a pool is added or removed, read without any lock.
        // Why: lookups vastly outnumber pool changes; readers get RCU-like lock-free access and O(log n) binary
        // search however many pools exist (the kernel's RCU list walk is O(n)), with no allocation on the hot
        // path. A hash of page frame → pool would be O(1) but costs an entry per page of every pool and needs
        // locking or a concurrent map; an interval tree would be O(log n) too but with locks on reads.
        private SwiotlbPool[] _pools = Array.Empty<SwiotlbPool>();

        // io_tlb_used is the sum of the areas' own counts, kept under each area's lock, and read without the locks:
        // reading it (for the high-water mark on every map, and the "buffer is full" report) never takes the areas'
        // locks, and two CPUs mapping in two areas write no counter in common. The kernel keeps one atomic
        // mem->total_used for this; here that one counter, added to twice per mapping by every thread, was what kept
        // two threads from mapping faster than one.
        private int _defaultNslabs;
        private int _defaultNareas;
        private long _highWater;
        private long _grownPools;
        private long _transientCreated;

        internal Swiotlb(Machine machine) => _machine = machine;

        /// <summary>Whether the machine has a swiotlb (<c>is_swiotlb_active</c>).</summary>
        public bool IsActive => Volatile.Read(ref _pools).Length > 0;

        /// <summary>Slots in all pools (<c>io_tlb_nslabs</c>).</summary>
        public int TotalSlots
        {
            get { int n = 0; foreach (var p in Volatile.Read(ref _pools)) n += p.Nslabs; return n; }
        }

        /// <summary>Slots in use (<c>io_tlb_used</c>).</summary>
        public int UsedSlots
        {
            get
            {
                int n = 0;
                foreach (SwiotlbPool p in Volatile.Read(ref _pools)) n += p.Used;
                return n;
            }
        }

        /// <summary>
        /// Highest <see cref="UsedSlots"/> seen (<c>io_tlb_used_hiwater</c>), sampled whenever an area reaches a new peak
        /// of its own: a lower bound of the true peak when areas fill and drain in turn, or under concurrency.
        /// </summary>
        public int HighWater => (int)Volatile.Read(ref _highWater);

        /// <summary>Pools currently present, transient ones included.</summary>
        public int PoolCount => Volatile.Read(ref _pools).Length;

        /// <summary>Pools added by the background worker so far.</summary>
        public long GrownPools => Interlocked.Read(ref _grownPools);

        /// <summary>Transient pools created so far (each lives for one mapping).</summary>
        public long TransientPoolsCreated => Interlocked.Read(ref _transientCreated);

        internal SwiotlbPool[] PoolsSnapshot => Volatile.Read(ref _pools);

        /// <summary>Areas of the default pool.</summary>
        public int Areas => _defaultNareas;

        internal void Init()
        {
            long bytes = _machine.Options.SwiotlbBytes;
            if (bytes == 0) return;
            int nslabs = (int)((bytes + IO_TLB_SIZE - 1) >> IO_TLB_SHIFT);
            nslabs = (nslabs + IO_TLB_SEGSIZE - 1) / IO_TLB_SEGSIZE * IO_TLB_SEGSIZE;
            int nareas = _machine.Options.SwiotlbAreas;
            if (nareas == 0) nareas = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount);
            // Each area holds whole segments, so a mapping never spans two areas.
            while (nareas > 1 && nslabs / nareas < IO_TLB_SEGSIZE) nareas >>= 1;
            while (nslabs % (nareas * IO_TLB_SEGSIZE) != 0) nslabs += IO_TLB_SEGSIZE;
            _defaultNslabs = nslabs;
            _defaultNareas = nareas;
            // Boot allocation (memblock in the kernel): low memory a 32-bit device reaches.
            SwiotlbPool? pool = AllocPool(nslabs, nareas, ZoneId.Dma32, PageAllocator.Dma32Limit - 1, GfpFlags.GFP_KERNEL, transient: false);
            if (pool is null)
                throw new InvalidOperationException($"software IO TLB: cannot allocate {bytes} bytes below 4 GiB; lower SwiotlbBytes or raise MemoryBytes");
            AddPool(pool);
        }

        private SwiotlbPool? AllocPool(int nslabs, int nareas, ZoneId zone, ulong maxPhys, GfpFlags gfp, bool transient)
        {
            long bytes = (long)nslabs << IO_TLB_SHIFT;
            var blocks = new List<(ulong, int)>();
            ulong? start = null;
            long got = 0;
            // Large pools are built from max-order blocks that must be physically contiguous.
            while (got < bytes)
            {
                int order = PageAllocator.OrderFor(Math.Min(bytes - got, (long)PhysicalMemory.PageSize << Zone.MaxOrder));
                ulong? pa = _machine.Memory.Pages.Alloc(order, zone, gfp | GfpFlags.__GFP_NOWARN, maxPhys);
                if (pa is not ulong p || (start is ulong s && p != s + (ulong)got))
                {
                    if (pa is ulong q) _machine.Memory.Pages.Free(q, order);
                    foreach ((ulong bp, int bo) in blocks) _machine.Memory.Pages.Free(bp, bo);
                    return null;
                }
                start ??= p;
                blocks.Add((p, order));
                got += (long)PhysicalMemory.PageSize << order;
            }
            ulong st = start!.Value;
            _machine.Memory.SetOwner(st, got, new RegionOwner(transient ? "transient swiotlb pool" : "swiotlb pool", st, got, uncached: false));
            return new SwiotlbPool(st, nslabs, nareas, transient, blocks);
        }

        private void AddPool(SwiotlbPool pool)
        {
            lock (_poolsLock)
            {
                var next = new List<SwiotlbPool>(_pools) { pool };
                next.Sort((a, b) => a.Start.CompareTo(b.Start));
                Volatile.Write(ref _pools, next.ToArray());
            }
        }

        private void RemovePool(SwiotlbPool pool)
        {
            lock (_poolsLock)
            {
                var next = new List<SwiotlbPool>(_pools);
                next.Remove(pool);
                Volatile.Write(ref _pools, next.ToArray());
            }
            long bytes = (long)pool.Nslabs << IO_TLB_SHIFT;
            _machine.Memory.SetOwner(pool.Start, bytes, new FreedPagesOwner("transient swiotlb pool", pool.Start, bytes, default, default));
            foreach ((ulong p, int o) in pool.Blocks) _machine.Memory.Pages.Free(p, o);
        }

        /// <summary>The pool holding <paramref name="phys"/> (binary search over the sorted snapshot), or null.</summary>
        internal SwiotlbPool? FindPool(ulong phys)
        {
            SwiotlbPool[] pools = Volatile.Read(ref _pools);
            int lo = 0, hi = pools.Length - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                SwiotlbPool p = pools[mid];
                if (phys < p.Start) hi = mid - 1;
                else if (phys >= p.End) lo = mid + 1;
                else return p;
            }
            return null;
        }

        internal bool IsSwiotlbBuffer(PhysAddr p) => FindPool(p.Value) is not null;

        // ------------------------------------------------------------------ map

        /// <summary>swiotlb_tbl_map_single: finds slots, records the original, bounces the data in. Null on failure (reported).</summary>
        internal ulong? MapSingle(Device dev, ulong orig, int mappingSize, DmaAttrs attrs)
        {
            if (!IsActive)
            {
                Warn(dev, "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
                return null;
            }
            int offset = (int)(orig & (ulong)dev.MinAlignMask & (IO_TLB_SIZE - 1));
            int allocSize = mappingSize + offset;
            int nslots = Math.Max(1, (allocSize + IO_TLB_SIZE - 1) >> IO_TLB_SHIFT);
            (SwiotlbPool pool, int index)? found = null;
            if (nslots <= IO_TLB_SEGSIZE)
            {
                found = FindSlots(dev, orig, allocSize, nslots, mappingSize, offset);
                if (found is null && _machine.Options.SwiotlbDynamic)
                {
                    ScheduleGrowth();
                    found = TransientSlots(dev, orig, allocSize, nslots, mappingSize, offset);
                }
            }
            if (found is not (SwiotlbPool pool, int index))
            {
                if ((attrs & DmaAttrs.DMA_ATTR_NO_WARN) == 0)
                    Warn(dev, $"swiotlb buffer is full (sz: {mappingSize} bytes), total {TotalSlots} (slots), used {UsedSlots} (slots)");
                return null;
            }
            ulong tlb = pool.SlotAddr(index) + (ulong)offset;
            // Always bounce in at map time, whatever the direction, so a partial device write never exposes
            // stale bounce-buffer contents (the kernel's fix for CVE-2022-0854 style leaks). The copy reaches RAM at
            // once (what the clean dma-direct makes next would do), unless the caller skips that clean on a
            // non-coherent device: then the copy stays in the cache, as in the kernel, until a sync for the device.
            if ((attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) != 0 && !dev.IsCoherent) _machine.Memory.CpuCopy(orig, tlb, mappingSize);
            else _machine.Memory.CpuCopyToUncachedLines(orig, tlb, mappingSize);
            return tlb;
        }

        /// <summary>
        /// Raises the high-water mark to the slots in use now. Called only when an area reached a new peak of its own:
        /// reading the other areas' counts on every mapping pulled the host cache line each other CPU was writing,
        /// which kept two threads from mapping faster than one.
        /// </summary>
        private void NoteHighWater() => AtomicMax.Raise(ref _highWater, UsedSlots);

        private (SwiotlbPool, int)? FindSlots(Device dev, ulong orig, int allocSize, int nslots, int mappingSize, int offset)
        {
            SwiotlbPool[] pools = Volatile.Read(ref _pools);
            int cpu = CpuContext.Current.Cpu;
            int maxAreas = 1;
            foreach (var p in pools) maxAreas = Math.Max(maxAreas, p.Nareas);
            for (int i = 0; i < maxAreas; i++)
                foreach (SwiotlbPool pool in pools)
                {
                    if (pool.Transient) continue;
                    int index = SearchArea(dev, pool, (cpu + i) & (pool.Nareas - 1), orig, allocSize, nslots, mappingSize, offset);
                    if (index >= 0) return (pool, index);
                }
            return null;
        }

        /// <summary>
        /// swiotlb_search_pool_area: first fit from the area's cursor, honouring the device's alignment granule. The
        /// slots found are claimed for the mapping (original addresses, sizes, head) under the same lock.
        /// </summary>
        private int SearchArea(Device dev, SwiotlbPool pool, int areaIndex, ulong orig, int allocSize, int nslots, int mappingSize, int offset)
        {
            SwiotlbArea area = pool.Areas[areaIndex];
            int slotBase = areaIndex * pool.AreaNslabs;
            ulong iotlbAlignMask = (ulong)dev.MinAlignMask & ~(ulong)(IO_TLB_SIZE - 1);
            ulong allocAlignMask = 0;
            // Mappings of a page or more were historically page aligned; kept when the device asks nothing else
            // (any min_align_mask at all, even one inside a slot, turns it off, as in the kernel).
            if (dev.MinAlignMask == 0 && allocSize >= PhysicalMemory.PageSize) allocAlignMask = PhysicalMemory.PageSize - 1;
            allocAlignMask |= IO_TLB_SIZE - 1;
            iotlbAlignMask &= ~allocAlignMask;
            int stride = (int)(Math.Max(allocAlignMask, iotlbAlignMask) >> IO_TLB_SHIFT) + 1;
            lock (area.Lock)
            {
                if (area.Used + nslots > pool.AreaNslabs) return -1;
                int index = area.Index % pool.AreaNslabs;
                for (int checkedSlots = 0; checkedSlots < pool.AreaNslabs;)
                {
                    int slot = slotBase + index;
                    ulong addr = pool.SlotAddr(slot);
                    if ((addr & allocAlignMask) != 0 || (addr & iotlbAlignMask) != (orig & iotlbAlignMask))
                    {
                        index = (index + 1) % pool.AreaNslabs;
                        checkedSlots++;
                        continue;
                    }
                    if (pool.List[slot] >= nslots)
                    {
                        for (int k = slot; k < slot + nslots; k++) pool.List[k] = 0;
                        // Preceding free slots of the segment now count up to this allocation only.
                        int count = 0;
                        for (int k = slot - 1; k >= slotBase && k % IO_TLB_SEGSIZE != IO_TLB_SEGSIZE - 1 && pool.List[k] != 0; k--)
                            pool.List[k] = ++count;
                        area.Index = (index + nslots) % pool.AreaNslabs;
                        area.Used += nslots;
                        Claim(pool, slot, orig, allocSize, nslots, mappingSize, offset);
                        if (area.Used > area.Peak)
                        {
                            area.Peak = area.Used;
                            NoteHighWater();
                        }
                        return slot;
                    }
                    index = (index + stride) % pool.AreaNslabs;
                    checkedSlots += stride;
                }
                return -1;
            }
        }

        /// <summary>Records a mapping in the slots it got. Caller holds the area's lock.</summary>
        private static void Claim(SwiotlbPool pool, int index, ulong orig, int allocSize, int nslots, int mappingSize, int offset)
        {
            for (int k = 0; k < nslots; k++)
            {
                pool.OrigAddr[index + k] = orig + ((ulong)k << IO_TLB_SHIFT);
                pool.AllocSize[index + k] = allocSize - (offset + (k << IO_TLB_SHIFT));
                pool.Head[index + k] = index;
            }
            pool.MapSize[index] = mappingSize;
            pool.Offset[index] = offset;
            pool.NSlots[index] = nslots;
            pool.Releasing[index] = false;
        }

        private (SwiotlbPool, int)? TransientSlots(Device dev, ulong orig, int allocSize, int nslots, int mappingSize, int offset)
        {
            // A pool just big enough for this mapping, allocated without sleeping (GFP_NOWAIT) below the device's limit.
            ulong limit = Math.Min(dev.DmaMask, _machine.Memory.Size - 1);
            SwiotlbPool? pool = AllocPool(nslots, 1, PageAllocator.ZoneForMask(dev.DmaMask), limit, GfpFlags.GFP_NOWAIT | GfpFlags.__GFP_NOWARN, transient: true);
            if (pool is null) return null;
            int index = SearchArea(dev, pool, 0, orig, allocSize, nslots, mappingSize, offset);
            if (index < 0)
            {
                foreach ((ulong p, int o) in pool.Blocks) _machine.Memory.Pages.Free(p, o);
                return null;
            }
            AddPool(pool);
            NoteHighWater(); // its slots were claimed before the pool was published, so the search could not count them
            Interlocked.Increment(ref _transientCreated);
            return (pool, index);
        }

        private void ScheduleGrowth()
        {
            _machine.Work.Schedule("swiotlb_dyn_alloc", () =>
            {
                // swiotlb_dyn_alloc: GFP_KERNEL in process context, halving down to IO_TLB_MIN_SLABS on failure.
                int nslabs = Math.Min(_defaultNslabs, MaxGrowSlabs);
                int nareas = _defaultNareas;
                while (true)
                {
                    while (nareas > 1 && nslabs / nareas < IO_TLB_SEGSIZE) nareas >>= 1;
                    SwiotlbPool? pool = AllocPool(nslabs, nareas, ZoneId.Dma32, PageAllocator.Dma32Limit - 1, GfpFlags.GFP_KERNEL, transient: false);
                    if (pool is not null)
                    {
                        AddPool(pool);
                        Interlocked.Increment(ref _grownPools);
                        return;
                    }
                    if (nslabs <= IO_TLB_MIN_SLABS) break;
                    nslabs /= 2;
                }
                _machine.Reports.Report("swiotlb", "software IO TLB: Failed to allocate new pool");
            });
        }

        // ------------------------------------------------------------------ unmap / sync

        /// <summary>
        /// swiotlb_tbl_unmap_single, preceded by the cpu sync dma_direct_unmap_page does (invalidate the bounce
        /// buffer on a non-coherent device, then copy out for FROM_DEVICE/BIDIRECTIONAL). A bad address is
        /// reported and ignored, leaving the pool intact.
        /// </summary>
        internal void Unmap(Device dev, ulong tlb, int size, DmaDirection dir, DmaAttrs attrs)
        {
            SwiotlbPool? pool = FindPool(tlb);
            if (pool is null) return;
            int index = (int)((tlb - pool.Start) >> IO_TLB_SHIFT);
            SwiotlbArea area = pool.AreaOf(index);
            int head, mapSize, nslots;
            lock (area.Lock)
            {
                head = pool.Head[index];
                if (head < 0 || pool.Releasing[head])
                {
                    Warn(dev, $"swiotlb: unmap of 0x{tlb:x16}+{size}: no bounce buffer is mapped there");
                    return;
                }
                ulong start = pool.SlotAddr(head) + (ulong)pool.Offset[head];
                if (tlb != start)
                {
                    Warn(dev, $"swiotlb: unmap of 0x{tlb:x16}+{size}: not the start of the bounce buffer mapped at 0x{start:x16}");
                    return;
                }
                pool.Releasing[head] = true; // a concurrent unmap of the same buffer now fails the check above
                mapSize = pool.MapSize[head];
                nslots = pool.NSlots[head];
            }
            if ((attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0)
            {
                if (!dev.IsCoherent && dir != DmaDirection.DMA_TO_DEVICE) _machine.Memory.Cache.Invalidate(tlb, Math.Min(size, mapSize));
                if (dir == DmaDirection.DMA_FROM_DEVICE || dir == DmaDirection.DMA_BIDIRECTIONAL) BounceOut(dev, pool, head, tlb, size, mapSize);
            }
            Release(pool, head, nslots);
        }

        private void Release(SwiotlbPool pool, int index, int nslots)
        {
            if (pool.Transient)
            {
                RemovePool(pool);
                return;
            }
            SwiotlbArea area = pool.AreaOf(index);
            lock (area.Lock)
            {
                int segEnd = (index / IO_TLB_SEGSIZE + 1) * IO_TLB_SEGSIZE;
                int count = index + nslots < Math.Min(segEnd, pool.Nslabs) ? pool.List[index + nslots] : 0;
                for (int k = index + nslots - 1; k >= index; k--)
                {
                    pool.List[k] = ++count;
                    pool.OrigAddr[k] = InvalidPhys;
                    pool.AllocSize[k] = 0;
                    pool.Head[k] = -1;
                }
                pool.Releasing[index] = false;
                pool.MapSize[index] = pool.Offset[index] = pool.NSlots[index] = 0;
                // Merge with the free slots before us in the same segment.
                for (int k = index - 1; k >= 0 && k % IO_TLB_SEGSIZE != IO_TLB_SEGSIZE - 1 && pool.List[k] != 0; k--)
                    pool.List[k] = ++count;
                area.Used -= nslots;
            }
        }

        /// <summary>swiotlb_sync_single_for_{device,cpu} plus the cache maintenance on the bounce buffer.</summary>
        internal void Sync(Device dev, ulong tlb, int size, DmaDirection dir, bool forDevice)
        {
            SwiotlbPool? pool = FindPool(tlb);
            if (pool is null) return;
            int index = (int)((tlb - pool.Start) >> IO_TLB_SHIFT);
            SwiotlbArea area = pool.AreaOf(index);
            int head, mapSize;
            lock (area.Lock)
            {
                head = pool.Head[index];
                if (head < 0 || pool.Releasing[head])
                {
                    Warn(dev, $"swiotlb: sync of 0x{tlb:x16}+{size}: no bounce buffer is mapped there");
                    return;
                }
                mapSize = pool.MapSize[head];
            }
            if (forDevice)
            {
                if (dir == DmaDirection.DMA_TO_DEVICE || dir == DmaDirection.DMA_BIDIRECTIONAL) BounceIn(dev, pool, head, tlb, size, mapSize);
                if (!dev.IsCoherent) _machine.Memory.Cache.Clean(tlb, size);
            }
            else
            {
                if (!dev.IsCoherent && dir != DmaDirection.DMA_TO_DEVICE) _machine.Memory.Cache.Invalidate(tlb, size);
                if (dir == DmaDirection.DMA_FROM_DEVICE || dir == DmaDirection.DMA_BIDIRECTIONAL) BounceOut(dev, pool, head, tlb, size, mapSize);
            }
        }

        private void BounceIn(Device dev, SwiotlbPool pool, int head, ulong tlb, int size, int mapSize)
        {
            if (Range(dev, pool, head, tlb, ref size, mapSize) is ulong orig && size > 0) _machine.Memory.CpuCopyToUncachedLines(orig, tlb, size);
        }

        private void BounceOut(Device dev, SwiotlbPool pool, int head, ulong tlb, int size, int mapSize)
        {
            if (Range(dev, pool, head, tlb, ref size, mapSize) is ulong orig && size > 0) _machine.Memory.CpuCopyFromUncachedLines(tlb, orig, size);
        }

        /// <summary>The original address matching <paramref name="tlb"/>, with swiotlb_bounce's range checks.</summary>
        private ulong? Range(Device dev, SwiotlbPool pool, int head, ulong tlb, ref int size, int mapSize)
        {
            ulong start = pool.SlotAddr(head) + (ulong)pool.Offset[head];
            ulong orig = pool.OrigAddr[head];
            if (orig == InvalidPhys) return null;
            if (tlb < start)
            {
                Warn(dev, $"Access before mapping start detected. orig offset {pool.Offset[head]}, requested offset {(long)(tlb - pool.SlotAddr(head))}.");
                return null;
            }
            long into = (long)(tlb - start);
            if (into + size > mapSize)
            {
                Warn(dev, $"Buffer overflow detected. Allocation size: {mapSize - into}. Mapping size: {size}.");
                size = (int)Math.Max(0, mapSize - into);
            }
            return orig + (ulong)into;
        }

        private void Warn(Device dev, string text) =>
            _machine.Reports.Report("swiotlb", $"{dev.DriverName} {dev.Name}: {text}", null, dev);

        /// <summary>Checks the slot metadata of every pool (free counts, heads) and returns the problems found; empty when consistent.</summary>
        internal List<string> Validate()
        {
            var problems = new List<string>();
            int poolsUsed = 0;
            foreach (SwiotlbPool pool in Volatile.Read(ref _pools))
            {
                foreach (SwiotlbArea a in pool.Areas) a.Lock.Enter();
                try
                {
                    int used = 0;
                    for (int i = 0; i < pool.Nslabs; i++)
                    {
                        int segEnd = Math.Min((i / IO_TLB_SEGSIZE + 1) * IO_TLB_SEGSIZE, pool.Nslabs);
                        int expect = 0;
                        if (pool.Head[i] < 0)
                        {
                            expect = 1;
                            if (i + 1 < segEnd && pool.Head[i + 1] < 0) expect = pool.List[i + 1] + 1;
                        }
                        else used++;
                        if (pool.List[i] != expect) problems.Add($"pool 0x{pool.Start:x}: slot {i} free count {pool.List[i]}, expected {expect}");
                        if ((pool.Head[i] < 0) != (pool.OrigAddr[i] == InvalidPhys)) problems.Add($"pool 0x{pool.Start:x}: slot {i} head/orig mismatch");
                    }
                    int areaUsed = 0;
                    foreach (SwiotlbArea a in pool.Areas) areaUsed += a.Used;
                    if (used != areaUsed) problems.Add($"pool 0x{pool.Start:x}: {used} slots in use but areas count {areaUsed}");
                    poolsUsed += used;
                }
                finally
                {
                    foreach (SwiotlbArea a in pool.Areas) a.Lock.Exit();
                }
            }
            if (poolsUsed != UsedSlots) problems.Add($"{poolsUsed} slots in use in the pools but io_tlb_used says {UsedSlots}");
            return problems;
        }
    }
}
