using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// <see cref="BounceDesign.ObjectPool"/>: bounce buffers are DMA-aligned objects of kmem_caches of 1, 2, 4 ...
    /// times <c>ARCH_DMA_MINALIGN</c> (up to 2 KiB), kept in a reserve per cache. A mapping takes one from the reserve;
    /// at the low-water mark a worker refills it with <c>GFP_KERNEL</c> (it may sleep); when mappings outrun the
    /// worker and the reserve is empty, the mapping allocates from the cache with <c>GFP_ATOMIC</c> (counted), and a
    /// transfer larger than the largest cache takes a kmalloc object with <c>GFP_ATOMIC</c> (counted too). Bounce
    /// objects are ordinary cached memory, so they get the cache maintenance of a direct mapping; being DMA-aligned,
    /// they share no line with anyone.
    /// </summary>
    internal sealed class ObjectPoolBounce : KmallocBouncer
    {
        private const int LargestClass = 2048;

        private readonly BounceCache[] _classes;
        private readonly StripedCounter _refills = new StripedCounter();

        // The bounced bus address → its slot: the xarray the thread proposes. virt_to_cache(phys_to_virt(addr)) would
        // name the cache, but not the original buffer to copy back to nor the size mapped, and it is only defined for
        // slab memory (an address of any other kind warns), and with an IOMMU the bus address is not a physical one
        // at all; so the mapping needs a record keyed by its bus address anyway. Syncs look it up without a lock; an
        // unmap's lookup is its removal, which takes the lock of one bucket of the map (only a mapping hashed to the same
        // bucket at the same moment waits).
        private readonly ConcurrentDictionary<ulong, Bounced> _live = new ConcurrentDictionary<ulong, Bounced>();

        private sealed record Bounced(ulong Orig, int Size, BounceCache? Class, KernelPtr Object, long Bytes);

        /// <summary>One kmem_cache of bounce objects and its reserve (a mempool).</summary>
        private sealed class BounceCache
        {
            public BounceCache(KmemCache cache, int size, int target)
            {
                Cache = cache;
                Size = size;
                Target = target;
            }

            public KmemCache Cache { get; }
            public int Size { get; }
            public int Target { get; }
            public int LowWater => Math.Max(1, Target / 4);
            public object Lock { get; } = new object();
            public Stack<KernelPtr> Reserve { get; } = new Stack<KernelPtr>();
        }

        public ObjectPoolBounce(Machine machine) : base(machine)
        {
            int align = machine.Options.DmaMinAlign;
            var classes = new List<BounceCache>();
            for (int size = align; size <= Math.Max(align, LargestClass); size *= 2)
            {
                KmemCache cache = machine.Slab.CacheCreate($"dma-bounce-{size}", size, align, Kernel.SLAB_CACHE_DMA32)
                    ?? throw new InvalidOperationException($"dma bounce pool: cannot create the cache of {size}-byte objects");
                classes.Add(new BounceCache(cache, size, 0));
            }
            // The reserve: BouncePoolBytes shared evenly between the classes, at least 4 objects each.
            long share = machine.Options.BouncePoolBytes / classes.Count;
            _classes = classes.ConvertAll(c => new BounceCache(c.Cache, c.Size, (int)Math.Max(4, share / c.Size))).ToArray();
            foreach (BounceCache c in _classes) Refill(c);
        }

        public override BounceDesign Design => BounceDesign.ObjectPool;

        public override ulong Map(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            BounceCount.Increment();
            BounceCache? cls = Array.Find(_classes, c => c.Size >= size);
            KernelPtr obj = Kernel.NULL;
            bool lowWater = false;
            if (cls is not null)
            {
                lock (cls.Lock)
                {
                    if (cls.Reserve.Count > 0) obj = cls.Reserve.Pop();
                    lowWater = cls.Reserve.Count <= cls.LowWater;
                }
                if (lowWater) Machine.Work.Schedule("dma_bounce_refill", RefillAll);
            }
            if (obj.IsNull)
            {
                // The reserve is empty (or the transfer is larger than any class): straight from the slab, without sleeping.
                FallbackCount.Increment();
                obj = cls is not null
                    ? Machine.Slab.CacheAlloc(cls.Cache, GfpFlags.GFP_ATOMIC | GfpFlags.__GFP_NOWARN, site)
                    : Machine.Slab.Kmalloc(size, GfpFlags.GFP_ATOMIC | GfpFlags.__GFP_NOWARN, site);
            }
            ulong bounce = obj.IsNull ? 0 : obj.Address - PhysicalMemory.PageOffset;
            if (obj.IsNull || bounce + (ulong)Math.Max(size, 1) - 1 > dev.DmaMask)
            {
                if (!obj.IsNull) Release(cls, obj);
                FailureCount.Increment();
                if ((attrs & DmaAttrs.DMA_ATTR_NO_WARN) == 0)
                    Machine.Reports.Report("dma-bounce", $"{dev.DriverName} {dev.Name}: no bounce object for {size} bytes (reserve empty, GFP_ATOMIC allocation failed or out of the device's reach)", null, dev);
                return ulong.MaxValue;
            }
            long bytes = cls?.Size ?? Machine.Slab.Ksize(obj);
            _live[bounce] = new Bounced(phys, size, cls, obj, bytes);
            AddInUse(bytes);
            // Copied in whatever the direction (the device never sees an earlier user's bytes), then made visible to
            // the device as a direct mapping of the object would be.
            CopyByCpu(phys, bounce, size);
            if (!dev.IsCoherent && (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0) Machine.Memory.Cache.Clean(bounce, size);
            return bounce;
        }

        public override bool TryUnmap(Device dev, ulong addr, int size, DmaDirection dir, DmaAttrs attrs)
        {
            if (!_live.TryRemove(addr, out Bounced? b)) return false;
            if ((attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0 && dir != DmaDirection.DMA_TO_DEVICE)
            {
                int len = Math.Min(size, b.Size);
                if (!dev.IsCoherent) Machine.Memory.Cache.Invalidate(addr, len);
                CopyByCpu(addr, b.Orig, len);
            }
            AddInUse(-b.Bytes);
            Release(b.Class, b.Object);
            return true;
        }

        public override bool TrySync(Device dev, ulong addr, int size, DmaDirection dir, bool forDevice)
        {
            // A sync may address part of a mapping: the object that starts there, else the one that holds addr.
            ulong start = addr;
            if (!_live.TryGetValue(addr, out Bounced? b))
            {
                // Inside a bounce object: the slab knows the object's start (bounce sizes are kmalloc-sized, so every
                // bounce object is a slab object); an address of no slab object is not a bounce.
                if (_live.IsEmpty || Machine.Slab.Lookup(addr) is not { } obj || !_live.TryGetValue(obj.Start, out b)) return false;
                start = obj.Start;
                if (addr >= start + (ulong)b.Size) return false;
            }
            int len = (int)Math.Min((ulong)size, start + (ulong)b.Size - addr);
            ulong orig = b.Orig + (addr - start);
            if (forDevice)
            {
                if (dir != DmaDirection.DMA_FROM_DEVICE) CopyByCpu(orig, addr, len);
                if (!dev.IsCoherent) Machine.Memory.Cache.Clean(addr, len);
            }
            else if (dir != DmaDirection.DMA_TO_DEVICE)
            {
                if (!dev.IsCoherent) Machine.Memory.Cache.Invalidate(addr, len);
                CopyByCpu(addr, orig, len);
            }
            return true;
        }

        /// <summary>A memcpy by the CPU, through its cache on both sides (bounce objects are ordinary cached memory).</summary>
        private void CopyByCpu(ulong from, ulong to, int size) => Machine.Memory.CpuCopy(from, to, size);

        /// <summary>Gives a bounce object back: to its reserve when that is below target, else to the slab.</summary>
        private void Release(BounceCache? cls, KernelPtr obj)
        {
            if (cls is not null)
            {
                lock (cls.Lock)
                {
                    if (cls.Reserve.Count < cls.Target)
                    {
                        cls.Reserve.Push(obj);
                        return;
                    }
                }
                Machine.Slab.CacheFree(cls.Cache, obj, default);
                return;
            }
            Machine.Slab.Kfree(obj, default);
        }

        private void RefillAll()
        {
            foreach (BounceCache c in _classes) Refill(c);
        }

        /// <summary>The refill worker's job for one cache: GFP_KERNEL allocations (which may sleep) up to the target.</summary>
        private void Refill(BounceCache c)
        {
            bool refilled = false;
            while (true)
            {
                lock (c.Lock)
                    if (c.Reserve.Count >= c.Target) break;
                KernelPtr obj = Machine.Slab.CacheAlloc(c.Cache, GfpFlags.GFP_KERNEL, default);
                if (obj.IsNull) break;
                lock (c.Lock)
                {
                    if (c.Reserve.Count < c.Target)
                    {
                        c.Reserve.Push(obj);
                        refilled = true;
                        continue;
                    }
                }
                Machine.Slab.CacheFree(c.Cache, obj, default);
                break;
            }
            if (refilled) _refills.Increment();
        }

        public override BounceStatistics Statistics()
        {
            long reserved = 0;
            foreach (BounceCache c in _classes)
                lock (c.Lock) reserved += (long)c.Reserve.Count * c.Size;
            return new BounceStatistics(Design, reserved, InUse, PeakInUse, BounceCount.Value, FallbackCount.Value, FailureCount.Value, _refills.Value);
        }

        public override List<string> Validate()
        {
            var problems = new List<string>();
            var seen = new HashSet<ulong>();
            foreach (BounceCache c in _classes)
                lock (c.Lock)
                    foreach (KernelPtr p in c.Reserve)
                    {
                        ulong phys = p.Address - PhysicalMemory.PageOffset;
                        if (!seen.Add(phys)) problems.Add($"object 0x{phys:x} is in a reserve twice");
                        if (_live.ContainsKey(phys)) problems.Add($"object 0x{phys:x} is in the reserve and bouncing a mapping");
                    }
            long inUse = 0;
            foreach (var b in _live.Values) inUse += b.Bytes;
            CheckInUse(inUse, problems);
            return problems;
        }
    }
}
