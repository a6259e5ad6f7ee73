using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// <see cref="BounceDesign.CoherentPool"/>: bounce buffers from an atomic coherent pool of DMA-aligned granules. The
    /// pool's memory is mapped uncached, so the CPU's copies in and out go straight to memory and the bounce buffer
    /// needs no clean or invalidate; the original buffer needs none either (only the CPU touches it). A worker doubles
    /// the pool when a quarter or less of it is free; nothing shrinks it.
    /// </summary>
    internal sealed class CoherentPoolBounce : KmallocBouncer
    {
        private const string PoolName = "dma bounce pool";
        private readonly AtomicPool _pool;
        private readonly StripedCounter _growths = new StripedCounter();

        // The live bounces by bus address: the original and the size to copy back on unmap. Whether an address is the
        // pool's at all is asked of the pool's chunk ranges first (as dma_free_from_pool asks gen_pool_has_addr), so
        // an address that is nobody's never reaches this map.
        private readonly ConcurrentDictionary<ulong, (ulong Orig, int Size, long Bytes)> _live = new ConcurrentDictionary<ulong, (ulong, int, long)>();

        public CoherentPoolBounce(Machine machine) : base(machine)
        {
            int granuleShift = BitOperations.Log2((uint)machine.Options.DmaMinAlign);
            _pool = new AtomicPool(ZoneId.Dma32, granuleShift);
            if (!machine.Coherent.Expand(_pool, machine.Options.BouncePoolBytes, GfpFlags.GFP_KERNEL, PoolName))
                throw new InvalidOperationException($"dma bounce pool: cannot allocate {machine.Options.BouncePoolBytes} bytes below 4 GiB; lower BouncePoolBytes or raise MemoryBytes");
        }

        public override BounceDesign Design => BounceDesign.CoherentPool;

        public override ulong Map(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            BounceCount.Increment();
            int granules = Math.Max(1, (size + _pool.Granule - 1) / _pool.Granule);
            int order = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)granules));
            ulong? got = _pool.Alloc(order, dev.DmaMask);
            if (got is null && !CpuContext.Current.IsAtomic && dev.DmaMask >= PageAllocator.Dma32Limit - 1)
            {
                // Process context may wait for the pool to grow (the remap to uncached may sleep); atomic context may
                // not. Growing helps only a device that reaches all of ZONE_DMA32, where the pool's chunks come from:
                // for one with a narrower mask every new chunk could lie out of reach, and doubling the pool for each
                // such mapping would eat the zone without ever succeeding.
                Machine.Slab.MightAlloc(GfpFlags.GFP_KERNEL, site);
                if (Grow(force: true)) got = _pool.Alloc(order, dev.DmaMask);
            }
            if (got is not ulong bounce)
            {
                FailureCount.Increment();
                ScheduleGrowth();
                if ((attrs & DmaAttrs.DMA_ATTR_NO_WARN) == 0)
                    Machine.Reports.Report("dma-bounce", $"{dev.DriverName} {dev.Name}: coherent bounce pool exhausted (sz: {size} bytes, pool {_pool.SizeBytes >> 10} KiB, {(CpuContext.Current.IsAtomic ? "atomic context" : "could not grow")})", null, dev);
                return ulong.MaxValue;
            }
            long bytes = (long)_pool.Granule << order;
            _live[bounce] = (phys, size, bytes);
            AddInUse(bytes);
            if (_pool.AvailBytes * 4 <= _pool.SizeBytes) ScheduleGrowth();
            // Always copied in, whatever the direction, as swiotlb does: the device never sees an earlier user's bytes.
            Machine.Memory.CpuCopyToUncachedLines(phys, bounce, size);
            return bounce;
        }

        public override bool TryUnmap(Device dev, ulong addr, int size, DmaDirection dir, DmaAttrs attrs)
        {
            if (!_pool.Has(addr)) return false;
            if (!_live.TryRemove(addr, out var b))
            {
                Machine.Reports.Report("dma-bounce", $"{dev.DriverName} {dev.Name}: unmap of 0x{addr:x16}+{size}: no bounce buffer of the coherent pool is mapped there", null, dev);
                return true;
            }
            if ((attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0 && (dir == DmaDirection.DMA_FROM_DEVICE || dir == DmaDirection.DMA_BIDIRECTIONAL))
                Machine.Memory.CpuCopyFromUncachedLines(addr, b.Orig, Math.Min(size, b.Size));
            AddInUse(-b.Bytes);
            _pool.Free(addr);
            return true;
        }

        public override bool TrySync(Device dev, ulong addr, int size, DmaDirection dir, bool forDevice)
        {
            if (!_pool.Has(addr)) return false;
            // A sync may cover part of a mapping: the bounce that starts there, else the one that holds addr.
            if (_live.TryGetValue(addr, out var exact))
            {
                SyncPart(addr, addr, exact.Orig, exact.Size, size, dir, forDevice);
                return true;
            }
            foreach (var pair in _live)
            {
                if (addr < pair.Key || addr >= pair.Key + (ulong)pair.Value.Size) continue;
                SyncPart(pair.Key, addr, pair.Value.Orig, pair.Value.Size, size, dir, forDevice);
                return true;
            }
            Machine.Reports.Report("dma-bounce", $"{dev.DriverName} {dev.Name}: sync of 0x{addr:x16}+{size}: no bounce buffer of the coherent pool is mapped there", null, dev);
            return true;
        }

        private void SyncPart(ulong start, ulong addr, ulong orig, int mapped, int size, DmaDirection dir, bool forDevice)
        {
            int len = (int)Math.Min((ulong)size, start + (ulong)mapped - addr);
            ulong from = orig + (addr - start);
            if (forDevice && dir != DmaDirection.DMA_FROM_DEVICE) Machine.Memory.CpuCopyToUncachedLines(from, addr, len);
            if (!forDevice && dir != DmaDirection.DMA_TO_DEVICE) Machine.Memory.CpuCopyFromUncachedLines(addr, from, len);
        }

        private void ScheduleGrowth() => Machine.Work.Schedule("dma_bounce_pool_grow", () => Grow(force: false));

        /// <summary>
        /// Doubles the pool (GFP_KERNEL: the worker, or a mapping in process context that found no room, which grows
        /// it even when a quarter is free: the free granules may not make a run long enough).
        /// </summary>
        private bool Grow(bool force)
        {
            if (!force && _pool.AvailBytes * 4 > _pool.SizeBytes) return true; // grown meanwhile
            bool grown = Machine.Coherent.Expand(_pool, _pool.SizeBytes, GfpFlags.GFP_KERNEL, PoolName);
            if (grown) _growths.Increment();
            else Machine.Reports.Report("dma-bounce", "dma bounce pool: failed to grow the coherent pool");
            return grown;
        }

        public override BounceStatistics Statistics() =>
            new BounceStatistics(Design, _pool.SizeBytes, InUse, PeakInUse, BounceCount.Value, 0, FailureCount.Value, _growths.Value);

        public override List<string> Validate()
        {
            var problems = new List<string>();
            var allocs = _pool.Allocations();
            if (allocs.Count != _live.Count) problems.Add($"{allocs.Count} pool allocations but {_live.Count} live bounces");
            allocs.Sort();
            for (int i = 1; i < allocs.Count; i++)
                if (allocs[i - 1].Start + (ulong)allocs[i - 1].Bytes > allocs[i].Start) problems.Add($"bounce buffers at 0x{allocs[i - 1].Start:x} and 0x{allocs[i].Start:x} overlap");
            long inUse = 0;
            foreach (var b in _live.Values) inUse += b.Bytes;
            CheckInUse(inUse, problems);
            return problems;
        }
    }
}
