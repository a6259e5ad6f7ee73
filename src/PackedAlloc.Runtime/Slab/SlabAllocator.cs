using System;
using System.Collections.Generic;
using System.Numerics;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Slab
{
    /// <summary>
    /// kmalloc and kmem_cache (mm/slab_common.c, mm/slub.c) over the page allocator. Non-packed kmalloc objects are
    /// aligned to the machine's DmaMinAlign (so the small classes go unused); <c>__GFP_PACKED</c> picks the natural
    /// classes 8..192 from the same caches, as the 2022 RFC did ("only the index differs").
    /// </summary>
    internal sealed class SlabAllocator
    {
        private const int QuarantineCapacity = 512;

        private readonly Machine _machine;
        private readonly object _cachesLock = new object();
        private readonly Dictionary<(ZoneId, int), KmemCache> _kmalloc = new Dictionary<(ZoneId, int), KmemCache>();
        private readonly List<KmemCache> _caches = new List<KmemCache>();
        // KASAN keeps freed objects out of circulation for a while so that a use-after-free hits freed memory
        // rather than a new owner; the same bounded FIFO here.
        private readonly object _quarantineLock = new object();
        private readonly Queue<(Slab, int)> _quarantine = new Queue<(Slab, int)>();

        public SlabAllocator(Machine machine) => _machine = machine;

        private PhysicalMemory Mem => _machine.Memory;

        public void Init() { }

        /// <summary>
        /// Whether __GFP_PACKED is honoured: always, except under KmallocBounce on a machine without a swiotlb,
        /// where packed objects could not be made safe by bouncing and so kmalloc hands out DMA-aligned objects.
        /// </summary>
        public bool PackedHonoured => _machine.Bounce.PackedHonoured;

        public IReadOnlyList<KmemCache> Caches
        {
            get { lock (_cachesLock) return _caches.ToArray(); }
        }

        // ------------------------------------------------------------------ kmalloc

        public KernelPtr Kmalloc(int size, GfpFlags flags, in CallerLocation site)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            flags = CheckGfp(flags, site);
            MightAlloc(flags, site);
            if (size == 0) return Kernel.ZERO_SIZE_PTR;
            if (size > Kernel.KMALLOC_MAX_SIZE)
            {
                if ((flags & GfpFlags.__GFP_NOWARN) == 0)
                    _machine.Reports.Report("slab",
                        $"WARNING: at mm/page_alloc.c: __alloc_pages: kmalloc({size}) exceeds KMALLOC_MAX_SIZE ({Kernel.KMALLOC_MAX_SIZE}): order {PageAllocator.OrderFor(size)} > MAX_PAGE_ORDER {Zone.MaxOrder}");
                return Kernel.NULL;
            }
            if (size > KmallocSizes.MaxCacheSize) return KmallocLarge(size, flags, site);
            bool packed = (flags & GfpFlags.__GFP_PACKED) != 0 && PackedHonoured;
            int classSize = KmallocSizes.ClassSize(size, packed ? Kernel.ARCH_KMALLOC_MINALIGN : _machine.Options.DmaMinAlign);
            if (classSize > KmallocSizes.MaxCacheSize) return KmallocLarge(size, flags, site);
            KmemCache cache = KmallocCache(PageAllocator.ZoneFor(flags), classSize);
            return AllocObject(cache, size, flags, packed, site);
        }

        private KernelPtr KmallocLarge(int size, GfpFlags flags, in CallerLocation site)
        {
            int order = PageAllocator.OrderFor(size);
            ulong? phys = Mem.Pages.Alloc(order, PageAllocator.ZoneFor(flags), flags);
            if (phys is not ulong pa) return Kernel.NULL;
            var owner = new LargeKmallocOwner(pa, size, order, site);
            Mem.SetOwner(pa, (long)PhysicalMemory.PageSize << order, owner);
            if ((flags & GfpFlags.__GFP_ZERO) != 0) Mem.CpuFill(pa, PhysicalMemory.PageSize << order, 0);
            return Mem.PhysToVirt(new PhysAddr(pa));
        }

        private KmemCache KmallocCache(ZoneId zone, int classSize)
        {
            lock (_cachesLock)
            {
                if (_kmalloc.TryGetValue((zone, classSize), out KmemCache? c)) return c;
                string prefix = zone switch { ZoneId.Dma => "dma-", ZoneId.Dma32 => "dma32-", _ => "" };
                string name = prefix + "kmalloc-" + (classSize >= 1024 ? $"{classSize / 1024}k" : classSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
                // Objects sit at multiples of the size in page-aligned slabs: naturally aligned (96 → 32, 192 → 64).
                int align = (int)Math.Min(1u << BitOperations.TrailingZeroCount((uint)classSize), (uint)PhysicalMemory.PageSize);
                uint slabFlags = zone == ZoneId.Dma ? Kernel.SLAB_CACHE_DMA : zone == ZoneId.Dma32 ? Kernel.SLAB_CACHE_DMA32 : 0;
                c = new KmemCache(_machine, name, classSize, classSize, align, slabFlags, zone, isKmalloc: true);
                _kmalloc.Add((zone, classSize), c);
                _caches.Add(c);
                return c;
            }
        }

        /// <summary>kmalloc_size_roundup: what a request of <paramref name="size"/> really gets with <paramref name="flags"/>.</summary>
        public int SizeRoundup(int size, GfpFlags flags)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            bool packed = (flags & GfpFlags.__GFP_PACKED) != 0 && PackedHonoured;
            return Roundup(size, packed ? Kernel.ARCH_KMALLOC_MINALIGN : _machine.Options.DmaMinAlign);
        }

        private static int Roundup(int size, int minAlign)
        {
            if (size == 0) return 0;
            if (size <= KmallocSizes.MaxCacheSize)
            {
                int c = KmallocSizes.ClassSize(size, minAlign);
                if (c <= KmallocSizes.MaxCacheSize) return c;
            }
            if (size <= Kernel.KMALLOC_MAX_SIZE) return PhysicalMemory.PageSize << PageAllocator.OrderFor(size);
            return size;
        }

        /// <summary>
        /// dma_kmalloc_needs_bounce as this emulation answers it (README.md): packed objects exist on every machine here, so the answer does not depend
        /// on KmallocBounce — non-coherent, not DMA_TO_DEVICE, and the packed class is not a multiple of DmaMinAlign.
        /// </summary>
        public bool DmaKmallocNeedsBounce(Device dev, int size, DmaDirection dir)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            if (dev.IsCoherent || dir == DmaDirection.DMA_TO_DEVICE) return false;
            if (size > Kernel.KMALLOC_MAX_SIZE) return false; // no kmalloc object is that large, so none shares a line
            return Roundup(size, Kernel.ARCH_KMALLOC_MINALIGN) % _machine.Options.DmaMinAlign != 0;
        }

        // ------------------------------------------------------------------ objects

        private KernelPtr AllocObject(KmemCache cache, int requested, GfpFlags flags, bool packed, in CallerLocation site)
        {
            Slab slab;
            int index;
            SlabCacheState st = cache.State;
            lock (st.Lock)
            {
                if (cache.IsDestroyed) throw new ObjectDisposedException(cache.Name, $"kmem_cache {cache.Name} was destroyed");
                Slab? found = null;
                foreach (Slab s in st.Slabs) if (s.HasFree) { found = s; break; }
                if (found is null)
                {
                    found = NewSlab(cache, flags);
                    if (found is null) return Kernel.NULL;
                }
                slab = found;
                index = slab.Take();
                slab.Requested[index] = requested;
                slab.Packed[index] = packed;
                slab.AllocSites[index] = site;
                slab.FreeSites[index] = default;
                st.Active++;
            }
            ulong phys = slab.ObjectStart(index);
            if ((flags & GfpFlags.__GFP_ZERO) != 0) Mem.CpuFill(phys, cache.ObjectSize, 0);
            return Mem.PhysToVirt(new PhysAddr(phys));
        }

        private Slab? NewSlab(KmemCache cache, GfpFlags flags)
        {
            int order = Math.Max(Math.Min(PageAllocator.OrderFor((long)cache.Size * 8), 3), PageAllocator.OrderFor(cache.Size));
            ulong? phys = Mem.Pages.Alloc(order, cache.Zone, flags);
            if (phys is not ulong pa) return null;
            var slab = new Slab(cache, pa, order);
            Mem.SetOwner(pa, (long)PhysicalMemory.PageSize << order, new SlabPageOwner(slab));
            cache.State.Slabs.Add(slab);
            return slab;
        }

        public void Kfree(KernelPtr p, in CallerLocation site) => Free(p, null, "kfree", site);

        private void Free(KernelPtr p, KmemCache? expected, string fn, in CallerLocation freeSite)
        {
            if (p.IsZeroOrNull) return;
            CheckOwnPointer(p);
            if (p.Address < PhysicalMemory.PageOffset || p.Address - PhysicalMemory.PageOffset >= Mem.Size)
                throw _machine.Reports.Kasan($"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: not a kernel linear-map address");
            ulong phys = p.Address - PhysicalMemory.PageOffset;
            switch (Mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                    FreeSlabObject(so.Slab, phys, p, expected, fn, freeSite);
                    return;
                case LargeKmallocOwner large when expected is null:
                    if (phys != large.Start)
                        throw _machine.Reports.Kasan($"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: {phys - large.Start} bytes inside the {large.Requested}-byte kmalloc object at {PhysicalMemory.ToVirt(large.Start):x16}\nAllocated at: {CallerLocation.Describe(large.Site)}");
                    _machine.Debug.CheckNoObjFreed(phys, large.BlockSize);
                    Mem.SetOwner(phys, large.BlockSize, new FreedPagesOwner($"{large.Requested}-byte kmalloc object", phys, large.Requested, large.Site, freeSite));
                    Mem.Pages.Free(phys, large.Order);
                    return;
                case FreedPagesOwner freed:
                    throw _machine.Reports.Kasan($"BUG: KASAN: double-free in {fn}\nFree of addr {p.Address:x16}: the {freed.What} at {PhysicalMemory.ToVirt(freed.Start):x16} was already freed\nAllocated at: {CallerLocation.Describe(freed.AllocSite)}\nFreed at: {CallerLocation.Describe(freed.FreeSite)}");
                case RegionOwner region:
                    throw _machine.Reports.Kasan($"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: not slab memory (it belongs to {region.Name})");
                default:
                    throw _machine.Reports.Kasan($"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: not allocated memory");
            }
        }

        private void FreeSlabObject(Slab slab, ulong phys, KernelPtr p, KmemCache? expected, string fn, in CallerLocation freeSite)
        {
            KmemCache cache = slab.Cache;
            int index = slab.IndexOf(phys);
            lock (cache.State.Lock)
            {
                if (index < 0 || slab.ObjectStart(index) != phys)
                {
                    string where = index < 0 ? "in the slab's unused tail" :
                        $"{phys - slab.ObjectStart(index)} bytes inside the {cache.Name} object at {PhysicalMemory.ToVirt(slab.ObjectStart(index)):x16}\nAllocated at: {CallerLocation.Describe(slab.AllocSites[index])}";
                    throw _machine.Reports.Kasan($"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: {where}");
                }
                if (slab.State[index] != ObjectState.Allocated)
                {
                    throw _machine.Reports.Kasan(slab.State[index] == ObjectState.NeverUsed
                        ? $"BUG: KASAN: invalid-free in {fn}\nFree of addr {p.Address:x16}: the {cache.Name} object there was never allocated"
                        : $"BUG: KASAN: double-free in {fn}\nFree of addr {p.Address:x16} ({cache.Name}, {slab.Requested[index]}-byte object)\nAllocated at: {CallerLocation.Describe(slab.AllocSites[index])}\nFreed at: {CallerLocation.Describe(slab.FreeSites[index])}");
                }
                if (expected is not null && expected != cache)
                {
                    _machine.Reports.Report("slab", $"WARNING: cache_from_obj: Wrong slab cache. {expected.Name} but object is from {cache.Name}");
                    return; // the kernel refuses the free, too
                }
            }
            // dma-debug looks for live mappings before the object goes (debug_check_no_obj_freed).
            _machine.Debug.CheckNoObjFreed(phys, slab.Requested[index]);
            lock (cache.State.Lock)
            {
                if (slab.State[index] != ObjectState.Allocated) // lost a race with another free of the same object
                    throw _machine.Reports.Kasan($"BUG: KASAN: double-free in {fn}\nFree of addr {p.Address:x16} ({cache.Name})\nAllocated at: {CallerLocation.Describe(slab.AllocSites[index])}\nFreed at: {CallerLocation.Describe(slab.FreeSites[index])}");
                slab.MarkFreed(index, freeSite);
                cache.State.Active--;
            }
            Quarantine(slab, index);
        }

        private void Quarantine(Slab slab, int index)
        {
            // One object in, at most one out: the queue holds at most QuarantineCapacity between calls (draining only
            // shortens it), so no list is made per free once the quarantine is full, which is the steady state.
            (Slab Slab, int Index) released;
            lock (_quarantineLock)
            {
                _quarantine.Enqueue((slab, index));
                if (_quarantine.Count <= QuarantineCapacity) return;
                released = _quarantine.Dequeue();
            }
            lock (released.Slab.Cache.State.Lock)
                if (released.Slab.State[released.Index] == ObjectState.Quarantined) released.Slab.Release(released.Index);
        }

        /// <summary>Empties the quarantine (freed objects become reusable).</summary>
        public void DrainQuarantine(KmemCache? only = null)
        {
            List<(Slab, int)> release = new List<(Slab, int)>();
            lock (_quarantineLock)
            {
                int n = _quarantine.Count;
                for (int k = 0; k < n; k++)
                {
                    var item = _quarantine.Dequeue();
                    if (only is null || item.Item1.Cache == only) release.Add(item);
                    else _quarantine.Enqueue(item);
                }
            }
            foreach ((Slab s, int i) in release)
                lock (s.Cache.State.Lock) if (s.State[i] == ObjectState.Quarantined) s.Release(i);
        }

        public int Ksize(KernelPtr p)
        {
            if (p.IsZeroOrNull) return 0;
            CheckOwnPointer(p);
            ulong phys = Mem.VirtToPhys(p).Value;
            switch (Mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                    Kasan.Check(_machine, phys, 1, write: false);
                    return so.Slab.Cache.ObjectSize;
                case LargeKmallocOwner large:
                    Kasan.Check(_machine, phys, 1, write: false);
                    return large.BlockSize;
                default:
                    Kasan.Check(_machine, phys, 1, write: false); // reports use-after-free / wild access
                    _machine.Reports.Report("slab", $"WARNING: at mm/slab_common.c: __ksize: {p} is not kmalloc memory");
                    return 0;
            }
        }

        public KernelPtr Krealloc(KernelPtr p, int size, GfpFlags flags, in CallerLocation site)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            if (size == 0)
            {
                Kfree(p, site);
                return Kernel.ZERO_SIZE_PTR;
            }
            flags = CheckGfp(flags, site);
            if (p.IsZeroOrNull) return Kmalloc(size, flags, site);
            CheckOwnPointer(p);
            ulong phys = Mem.VirtToPhys(p).Value;
            int ks = Ksize(p);
            int oldRequested = RequestedSize(phys);
            if (ks >= size && size <= Kernel.KMALLOC_MAX_SIZE)
            {
                MightAlloc(flags, site);
                SetRequestedSize(phys, size); // KASAN re-poisons past the new size
                if ((flags & GfpFlags.__GFP_ZERO) != 0 && size > oldRequested) Mem.CpuFill(phys + (ulong)oldRequested, size - oldRequested, 0);
                return p;
            }
            KernelPtr fresh = Kmalloc(size, flags, site);
            if (fresh.IsZeroOrNull) return fresh; // failure leaves p intact
            Kernel.memcpy(fresh, p, Math.Min(oldRequested, size));
            Kfree(p, site);
            return fresh;
        }

        private int RequestedSize(ulong phys)
        {
            switch (Mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                    lock (so.Slab.Cache.State.Lock) return so.Slab.Requested[so.Slab.IndexOf(phys)];
                case LargeKmallocOwner large:
                    return large.Requested;
                default:
                    return 0;
            }
        }

        private void SetRequestedSize(ulong phys, int size)
        {
            switch (Mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                    lock (so.Slab.Cache.State.Lock) so.Slab.Requested[so.Slab.IndexOf(phys)] = size;
                    break;
                case LargeKmallocOwner large:
                    large.Requested = size;
                    break;
            }
        }

        /// <summary>What dma-debug and the DMA layer need to know about the object at <paramref name="phys"/>.</summary>
        public ObjectInfo? Lookup(ulong phys)
        {
            switch (Mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                    Slab s = so.Slab;
                    int i = s.IndexOf(phys);
                    if (i < 0) return null;
                    lock (s.Cache.State.Lock)
                        return new ObjectInfo(s.Cache.Name, s.ObjectStart(i), s.Requested[i], s.Cache.Size, s.Packed[i], s.State[i] == ObjectState.Allocated, s.AllocSites[i]);
                case LargeKmallocOwner large:
                    return new ObjectInfo("kmalloc-large", large.Start, large.Requested, large.BlockSize, false, true, large.Site);
                default:
                    return null;
            }
        }

        // ------------------------------------------------------------------ kmem_cache

        public KmemCache? CacheCreate(string name, int size, int align, uint flags)
        {
            ArgumentNullException.ThrowIfNull(name);
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
            if (align < 0 || (align & (align - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(align), align, "align must be 0 or a power of two.");
            if (size == 0 || size > Kernel.KMALLOC_MAX_SIZE || align > PhysicalMemory.PageSize || CpuContext.Current.IsAtomic)
            {
                string why = $"kmem_cache_create({name}) failed with error -22 (size {size}, align {align}{(CpuContext.Current.IsAtomic ? ", atomic context" : "")})";
                if ((flags & Kernel.SLAB_PANIC) != 0) throw _machine.Reports.Bug("slab", "Kernel panic - not syncing: " + why);
                _machine.Reports.Report("slab", why);
                return null;
            }
            // calculate_alignment(): SLAB_HWCACHE_ALIGN uses the line size, halved while the object fits in half.
            int a = align;
            if ((flags & Kernel.SLAB_HWCACHE_ALIGN) != 0)
            {
                int ralign = _machine.Options.CacheLineSize;
                while (size <= ralign / 2) ralign /= 2;
                a = Math.Max(a, ralign);
            }
            a = Math.Max(a, Kernel.ARCH_KMALLOC_MINALIGN); // arch_slab_minalign(), and a pointer's size
            int stride = (Math.Max(size, 8) + a - 1) & ~(a - 1);
            ZoneId zone = (flags & Kernel.SLAB_CACHE_DMA) != 0 ? ZoneId.Dma : (flags & Kernel.SLAB_CACHE_DMA32) != 0 ? ZoneId.Dma32 : ZoneId.Normal;
            var cache = new KmemCache(_machine, name, size, stride, a, flags, zone, isKmalloc: false);
            lock (_cachesLock) _caches.Add(cache);
            return cache;
        }

        public KernelPtr CacheAlloc(KmemCache cache, GfpFlags flags, in CallerLocation site)
        {
            CheckOwnCache(cache);
            flags = CheckGfp(flags, site);
            MightAlloc(flags, site);
            return AllocObject(cache, cache.ObjectSize, flags, packed: false, site);
        }

        public void CacheFree(KmemCache cache, KernelPtr p, in CallerLocation site)
        {
            CheckOwnCache(cache);
            if (p.IsZeroOrNull) return;
            Free(p, cache, "kmem_cache_free", site);
        }

        public void CacheDestroy(KmemCache cache, in CallerLocation site)
        {
            CheckOwnCache(cache);
            if (cache.IsKmalloc) throw new ArgumentException($"{cache.Name} is a kmalloc cache and cannot be destroyed.", nameof(cache));
            DrainQuarantine(cache);
            List<Slab> slabs;
            lock (cache.State.Lock)
            {
                if (cache.IsDestroyed) throw _machine.Reports.Bug("slab", $"BUG: kmem_cache_destroy({cache.Name}): cache already destroyed");
                if (cache.State.Active > 0)
                {
                    _machine.Reports.Report("slab", $"kmem_cache_destroy {cache.Name}: Slab cache still has objects when called from {CallerLocation.Describe(site)}");
                    return; // kept, as the kernel keeps it
                }
                cache.IsDestroyed = true;
                slabs = new List<Slab>(cache.State.Slabs);
                cache.State.Slabs.Clear();
            }
            foreach (Slab s in slabs)
            {
                long bytes = (long)PhysicalMemory.PageSize << s.Order;
                Mem.SetOwner(s.Start, bytes, new FreedPagesOwner($"slab of {cache.Name}", s.Start, bytes, default, default));
                Mem.Pages.Free(s.Start, s.Order);
            }
            lock (_cachesLock) _caches.Remove(cache);
        }

        /// <summary>A pointer of another machine must never be looked up here: the same address is a different object.</summary>
        private void CheckOwnPointer(KernelPtr p)
        {
            if (p.OwnerMachine is Machine owner && owner != _machine)
                throw new ArgumentException($"pointer {p} belongs to another machine", nameof(p));
        }

        private void CheckOwnCache(KmemCache cache)
        {
            if (cache.Machine != _machine) throw new ArgumentException($"kmem_cache {cache.Name} belongs to another machine.", nameof(cache));
        }

        private static readonly GfpFlags s_knownGfp = KnownGfp();
        private const GfpFlags ZoneBits = GfpFlags.__GFP_DMA | GfpFlags.__GFP_DMA32 | GfpFlags.__GFP_HIGHMEM;

        private static GfpFlags KnownGfp()
        {
            GfpFlags all = 0;
            foreach (GfpFlags f in Enum.GetValues<GfpFlags>()) all |= f;
            return all;
        }

        /// <summary>
        /// The slab allocator's checks of a gfp mask. More than one zone modifier (<c>__GFP_DMA</c>, <c>__GFP_DMA32</c>,
        /// <c>__GFP_HIGHMEM</c>) is a kernel BUG (gfp_zone's <c>GFP_ZONE_BAD</c>), thrown; bits no gfp flag has are a
        /// WARN (kmalloc_fix_flags), and the allocation goes on without them.
        /// </summary>
        internal GfpFlags CheckGfp(GfpFlags flags, in CallerLocation site)
        {
            GfpFlags zones = flags & ZoneBits;
            if ((zones & (zones - 1)) != 0)
                throw _machine.Reports.Bug("page_alloc",
                    $"kernel BUG at include/linux/gfp.h: gfp_zone: bad zone combination in gfp flags 0x{(uint)flags:x} ({FormatGfp(zones)}): ask for one of __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM");
            GfpFlags unknown = flags & ~s_knownGfp;
            if (unknown == 0) return flags;
            GfpFlags fixedUp = flags & s_knownGfp;
            _machine.Reports.Report("slab",
                $"WARNING: at mm/slab_common.c: kmalloc_fix_flags: Unexpected gfp: 0x{(uint)unknown:x} (bits no gfp flag has). Fixing up to gfp: 0x{(uint)fixedUp:x} ({FormatGfp(fixedUp)}). Fix your code!\ncaller: {CallerLocation.Describe(site)}");
            return fixedUp;
        }

        /// <summary>A gfp mask as the kernel's %pGg prints it: the GFP_* it contains, then the remaining __GFP_* bits.</summary>
        internal static string FormatGfp(GfpFlags flags)
        {
            if (flags == 0) return "0";
            var names = new List<string>();
            GfpFlags rest = flags;
            foreach (GfpFlags composite in new[] { GfpFlags.GFP_KERNEL, GfpFlags.GFP_NOFS, GfpFlags.GFP_NOIO, GfpFlags.GFP_ATOMIC, GfpFlags.GFP_NOWAIT })
            {
                if ((rest & composite) == composite)
                {
                    names.Add(composite.ToString());
                    rest &= ~composite;
                }
            }
            for (int bit = 0; bit < 32; bit++)
            {
                var f = (GfpFlags)(1u << bit);
                if ((rest & f) == 0) continue;
                // GFP_DMA and __GFP_DMA are one bit: name the bit.
                string? name = Array.Find(Enum.GetNames<GfpFlags>(), n => n.StartsWith("__GFP_", StringComparison.Ordinal) && Enum.Parse<GfpFlags>(n) == f);
                if (name is null) continue;
                names.Add(name);
                rest &= ~f;
            }
            if (rest != 0) names.Add($"0x{(uint)rest:x}");
            return string.Join("|", names);
        }

        /// <summary>might_alloc(): an allocation that may sleep, made in atomic context, is a kernel BUG report.</summary>
        internal void MightAlloc(GfpFlags flags, in CallerLocation site)
        {
            if ((flags & GfpFlags.__GFP_DIRECT_RECLAIM) == 0) return;
            CpuContext cpu = CpuContext.Current;
            if (!cpu.IsAtomic) return;
            _machine.Reports.Report("sched",
                $"BUG: sleeping function called from invalid context at mm/slab.h\nin_atomic(): {(cpu.PreemptCount > 0 ? 1 : 0)}, irqs_disabled(): {(cpu.IrqsDisabled ? 1 : 0)}, non_block: 0, pid: {CpuContext.Name}, name: {System.Threading.Thread.CurrentThread.Name ?? "thread"}\ngfp flags: 0x{(uint)flags:x} (may sleep); use GFP_ATOMIC or GFP_NOWAIT here\ncaller: {CallerLocation.Describe(site)}",
                Kernel.RuleSleepInAtomic);
        }
    }

    /// <summary>A snapshot of one slab or large kmalloc object.</summary>
    internal sealed record ObjectInfo(string CacheName, ulong Start, int Requested, int Size, bool Packed, bool Live, CallerLocation Site);
}
