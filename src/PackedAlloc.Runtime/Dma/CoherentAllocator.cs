using System;
using System.Collections.Generic;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// dma_alloc_coherent / dma_free_coherent (kernel/dma/direct.c, pool.c). For a non-coherent device the memory is
    /// remapped uncached (CPU accesses bypass the cache), after cleaning and invalidating any stale lines; a request
    /// that may not sleep is served from the atomic pools, which a worker grows when they run low.
    /// </summary>
    internal sealed class CoherentAllocator
    {
        private sealed record Allocation(Device Dev, ulong Phys, int Size, int Order, AtomicPool? Pool, CallerLocation Site);

        private readonly Machine _machine;
        private readonly object _lock = new object();
        private readonly Dictionary<ulong, Allocation> _allocs = new Dictionary<ulong, Allocation>();
        private readonly List<AtomicPool> _pools = new List<AtomicPool>();
        private long _poolSize;

        public CoherentAllocator(Machine machine) => _machine = machine;

        private PhysicalMemory Mem => _machine.Memory;

        public IReadOnlyList<AtomicPool> Pools => _pools;

        /// <summary>The initial size of each atomic pool (atomic_pool_size).</summary>
        public long PoolSize => _poolSize;

        public void Init()
        {
            long size = _machine.Options.CoherentPoolBytes;
            if (size == 0) size = Math.Clamp((long)(Mem.Size >> 30) * (128L << 10), 128L << 10, 4L << 20); // 128 KiB per GiB
            size = (size + PhysicalMemory.PageSize - 1) & ~(long)(PhysicalMemory.PageSize - 1);
            _poolSize = size;
            foreach (Zone z in Mem.Pages.Zones)
            {
                var pool = new AtomicPool(z.Id);
                if (Expand(pool, size, GfpFlags.GFP_KERNEL)) _pools.Add(pool);
                else _machine.Reports.Report("dma-pool", $"DMA: failed to allocate {size >> 10} KiB {z.Name} pool for atomic allocation");
            }
        }

        /// <summary>atomic_pool_expand: add a chunk (halving the order on failure), prepared and remapped uncached.</summary>
        internal bool Expand(AtomicPool pool, long bytes, GfpFlags gfp, string name = "atomic pool (free)")
        {
            int order = Math.Min(PageAllocator.OrderFor(bytes), Zone.MaxOrder);
            ulong maxPhys = pool.Zone switch { ZoneId.Dma => PageAllocator.DmaLimit - 1, ZoneId.Dma32 => PageAllocator.Dma32Limit - 1, _ => ulong.MaxValue };
            for (; order >= 0; order--)
            {
                ulong? pa = Mem.Pages.Alloc(order, pool.Zone, gfp | GfpFlags.__GFP_NOWARN, maxPhys);
                if (pa is not ulong p) continue;
                // Only the zone itself counts: a DMA32 pool must not be built from DMA pages the fallback handed out.
                if (Mem.Pages.ZoneOf(p)?.Id != pool.Zone) { Mem.Pages.Free(p, order); continue; }
                long len = (long)PhysicalMemory.PageSize << order;
                Mem.Cache.CleanInvalidate(p, (int)len); // arch_dma_prep_coherent
                Mem.SetOwner(p, len, new RegionOwner(name, p, len, uncached: true));
                pool.AddChunk(p, order);
                return true;
            }
            return false;
        }

        public KernelPtr Alloc(Device dev, int size, out DmaAddr handle, GfpFlags gfp, in CallerLocation site)
        {
            if (dev.Machine != _machine) throw new ArgumentException($"device {dev.Name} belongs to another machine", nameof(dev));
            if (dev.IsRemoved) throw new InvalidOperationException($"device {dev.Name} was removed");
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            handle = Kernel.DMA_MAPPING_ERROR;
            _machine.Slab.MightAlloc(gfp, site);
            if (size == 0)
            {
                _machine.Reports.Report("dma-mapping", $"WARNING: {dev.DriverName} {dev.Name}: dma_alloc_coherent of 0 bytes", null, dev);
                return Kernel.NULL;
            }
            if (size > Kernel.KMALLOC_MAX_SIZE)
            {
                if ((gfp & GfpFlags.__GFP_NOWARN) == 0)
                    _machine.Reports.Report("dma-mapping", $"WARNING: {dev.DriverName} {dev.Name}: dma_alloc_coherent of {size} bytes exceeds MAX_PAGE_ORDER", null, dev);
                return Kernel.NULL;
            }
            // dma_alloc_attrs strips zone modifiers: the device's coherent mask picks the zone.
            gfp &= ~(GfpFlags.__GFP_DMA | GfpFlags.__GFP_DMA32 | GfpFlags.__GFP_HIGHMEM);
            int order = PageAllocator.OrderFor(size);
            long len = (long)PhysicalMemory.PageSize << order;
            bool blocking = (gfp & GfpFlags.__GFP_DIRECT_RECLAIM) != 0;
            ulong phys;
            AtomicPool? fromPool = null;
            if (!blocking && !dev.IsCoherent)
            {
                // dma_direct_use_pool: remapping uncached may sleep, so atomic callers take prepared pool memory.
                ulong? p = AllocFromPool(dev, order, gfp, out fromPool);
                if (p is not ulong pp) return Kernel.NULL;
                phys = pp;
            }
            else
            {
                ZoneId zone = PageAllocator.ZoneForMask(dev.DmaMask);
                ulong? p = Mem.Pages.Alloc(order, zone, gfp, dev.DmaMask);
                if (p is not ulong pp) return Kernel.NULL;
                phys = pp;
                if (!dev.IsCoherent) Mem.Cache.CleanInvalidate(phys, (int)len); // arch_dma_prep_coherent before the uncached remap
            }
            Mem.SetOwner(phys, len, new RegionOwner($"coherent buffer of {dev.Name}", phys, len, uncached: !dev.IsCoherent));
            Mem.CpuFill(phys, (int)len, 0); // dma_alloc_coherent always zeroes
            lock (_lock) _allocs[phys] = new Allocation(dev, phys, size, order, fromPool, site);
            handle = new DmaAddr(phys);
            KernelPtr cpu = Mem.PhysToVirt(new PhysAddr(phys));
            if (_machine.Debug.Enabled)
                _machine.Debug.AddMapping(new MappingRecord(dev, MapType.Coherent, phys, phys, size, DmaDirection.DMA_BIDIRECTIONAL, site)
                {
                    CpuAddr = cpu.Address,
                }, skipCpuSync: true);
            return cpu;
        }

        /// <summary>dma_alloc_from_pool: pools in dma_guess_pool order; schedules growth when a pool runs low.</summary>
        private ulong? AllocFromPool(Device dev, int order, GfpFlags gfp, out AtomicPool? used)
        {
            used = null;
            ZoneId want = PageAllocator.ZoneForMask(dev.DmaMask);
            var order3 = want switch
            {
                ZoneId.Dma => new[] { ZoneId.Dma, ZoneId.Dma32, ZoneId.Normal },
                ZoneId.Dma32 => new[] { ZoneId.Dma32, ZoneId.Dma, ZoneId.Normal },
                _ => new[] { ZoneId.Normal, ZoneId.Dma32, ZoneId.Dma },
            };
            bool anySuitable = false;
            foreach (ZoneId z in order3)
            {
                AtomicPool? pool = _pools.Find(p => p.Zone == z);
                if (pool is null) continue;
                anySuitable = true;
                ulong? p = pool.Alloc(order, dev.DmaMask);
                if (p is ulong pa)
                {
                    used = pool;
                    if (pool.AvailBytes < _poolSize) _machine.Work.Schedule("atomic_pool_work", ResizePools);
                    return pa;
                }
            }
            if (!anySuitable) _machine.Reports.Report("dma-pool", $"WARNING: Failed to get suitable pool for {dev.Name}", null, dev);
            else if ((gfp & GfpFlags.__GFP_NOWARN) == 0) _machine.Reports.Report("dma-pool", $"WARNING: DMA pool exhausted for {dev.Name}", null, dev);
            _machine.Work.Schedule("atomic_pool_work", ResizePools);
            return null;
        }

        /// <summary>atomic_pool_work_fn: every pool below its initial size gains a chunk as large as the pool (doubling).</summary>
        private void ResizePools()
        {
            foreach (AtomicPool pool in _pools)
                if (pool.AvailBytes < _poolSize) Expand(pool, pool.SizeBytes, GfpFlags.GFP_KERNEL);
        }

        public void Free(Device dev, int size, KernelPtr cpu, DmaAddr handle, in CallerLocation site)
        {
            if (dev.Machine != _machine) throw new ArgumentException($"device {dev.Name} belongs to another machine", nameof(dev));
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            if (cpu.IsNull) return;
            if (cpu.OwnerMachine is Machine owner && owner != _machine)
                throw new ArgumentException($"pointer {cpu} belongs to another machine than device {dev.Name}", nameof(cpu));
            _machine.Debug.CheckUnmap(dev, MapType.Coherent, handle, size, DmaDirection.DMA_BIDIRECTIONAL, cpuAddr: cpu.Address);
            ulong phys = cpu.Address - PhysicalMemory.PageOffset;
            Allocation? a;
            lock (_lock)
            {
                if (!_allocs.TryGetValue(phys, out a) || a.Dev != dev)
                    a = null;
                else
                    _allocs.Remove(phys);
            }
            if (a is null)
            {
                // Never corrupt the allocator: an unknown address is reported and ignored.
                if (!_machine.Debug.Enabled)
                    _machine.Reports.Report("dma-mapping", $"WARNING: {dev.DriverName} {dev.Name}: dma_free_coherent of {cpu} which was not allocated by dma_alloc_coherent for this device", null, dev);
                return;
            }
            long len = (long)PhysicalMemory.PageSize << a.Order;
            Mem.SetOwner(phys, len, new FreedPagesOwner($"coherent buffer of {dev.Name}", phys, a.Size, a.Site, site));
            if (a.Pool is not null) a.Pool.Free(phys);
            else Mem.Pages.Free(phys, a.Order);
        }

        public int Outstanding
        {
            get { lock (_lock) return _allocs.Count; }
        }
    }
}
