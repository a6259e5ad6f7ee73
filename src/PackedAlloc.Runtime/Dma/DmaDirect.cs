using System;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// Streaming DMA: kernel/dma/mapping.c over dma-direct (kernel/dma/direct.{c,h}) with arm64's cache maintenance:
    /// for the device every direction cleans; for the CPU, FROM_DEVICE and BIDIRECTIONAL invalidate.
    /// </summary>
    internal sealed class DmaDirect
    {
        private readonly Machine _machine;

        public DmaDirect(Machine machine) => _machine = machine;

        private PhysicalMemory Mem => _machine.Memory;
        private Swiotlb Tlb => _machine.Swiotlb;
        private DmaDebug Debug => _machine.Debug;

        // ------------------------------------------------------------------ checks shared by every entry point

        private void CheckDevice(Device dev)
        {
            if (dev.Machine != _machine) throw new ArgumentException($"device {dev.Name} belongs to another machine", nameof(dev));
            if (dev.IsRemoved) throw new InvalidOperationException($"device {dev.Name} was removed");
        }

        private void CheckDir(DmaDirection dir, Device dev)
        {
            // mapping.c: BUG_ON(!valid_dma_direction(dir)) — DMA_NONE and any other value alike.
            if (dir != DmaDirection.DMA_BIDIRECTIONAL && dir != DmaDirection.DMA_TO_DEVICE && dir != DmaDirection.DMA_FROM_DEVICE)
            {
                string name = dir == DmaDirection.DMA_NONE ? "DMA_NONE" : ((int)dir).ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw _machine.Reports.Bug("dma-mapping", $"kernel BUG at kernel/dma/mapping.c: !valid_dma_direction({name}) for {dev.Name}", dev);
            }
        }

        private static void CheckSize(int size)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must not be negative.");
        }

        // ------------------------------------------------------------------ single

        public DmaAddr MapSingle(Device dev, KernelPtr ptr, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            CheckDevice(dev);
            CheckSize(size);
            CheckDir(dir, dev);
            if (!TryPhys(dev, ptr, size, out ulong phys)) return Kernel.DMA_MAPPING_ERROR;
            return MapPhys(dev, phys, size, dir, attrs, MapType.Single, site);
        }

        /// <summary>The buffer's physical address; reports an invalid area (and fails) for NULL or non-linear pointers.</summary>
        private bool TryPhys(Device dev, KernelPtr ptr, int size, out ulong phys)
        {
            phys = 0;
            if (ptr.IsZeroOrNull || ptr.Address < PhysicalMemory.PageOffset || ptr.Address - PhysicalMemory.PageOffset >= Mem.Size)
            {
                if (Debug.Enabled) Debug.InvalidArea(dev, ptr, size);
                else _machine.Reports.Report("dma-mapping", $"{dev.DriverName} {dev.Name}: rejecting DMA map of invalid address {ptr}", null, dev);
                return false;
            }
            if (ptr.OwnerMachine is Machine owner && owner != _machine)
                throw new ArgumentException($"pointer {ptr} belongs to another machine than device {dev.Name}", nameof(ptr));
            phys = ptr.Address - PhysicalMemory.PageOffset;
            // Mapping freed or out-of-bounds memory is a KASAN report (the kernel's kmsan/kasan DMA hooks).
            if (size > 0) Kasan.Check(_machine, phys, size, write: false);
            return true;
        }

        private DmaAddr MapPhys(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, MapType type, in CallerLocation site)
        {
            ulong addr = DirectMap(dev, phys, size, dir, attrs, site, out bool bounced);
            if (addr == ulong.MaxValue) return Kernel.DMA_MAPPING_ERROR;
            if (Debug.Enabled)
            {
                Debug.AddMapping(new MappingRecord(dev, type, addr, phys, size, dir, site)
                {
                    MapErrorCheckable = type != MapType.Sg,
                    TracksCachelines = dir != DmaDirection.DMA_TO_DEVICE,
                }, (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) != 0);
                if (!bounced) Debug.CheckSharedLines(dev, phys, size, dir, attrs);
            }
            return new DmaAddr(addr);
        }

        /// <summary>
        /// dma_direct_map_page: bounce through the swiotlb when the device cannot reach the buffer, and where the
        /// machine's <see cref="BounceDesign"/> says a kmalloc buffer that may share a cache line must bounce.
        /// </summary>
        private ulong DirectMap(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site, out bool bounced)
        {
            bounced = false;
            ulong dmaAddr = phys; // bus address == physical address
            if (!Capable(dev, dmaAddr, size))
            {
                if (Tlb.IsActive)
                {
                    bounced = true;
                    return SwiotlbMapPhys(dev, phys, size, dir, attrs);
                }
                _machine.Reports.Report("dma-direct",
                    $"WARNING: {dev.DriverName} {dev.Name}: DMA addr 0x{dmaAddr:x16}+{size} overflow (mask {dev.DmaMask:x}, bus limit 0). No swiotlb to bounce through.", null, dev);
                return ulong.MaxValue;
            }
            if (_machine.Bounce.Wants(dev, size, dir))
            {
                bounced = true;
                return _machine.Bounce.Map(dev, phys, size, dir, attrs, site);
            }
            if (!dev.IsCoherent && (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0) Mem.Cache.Clean(phys, size);
            return dmaAddr;
        }

        private static bool Capable(Device dev, ulong addr, int size)
        {
            if (addr == ulong.MaxValue) return false;
            ulong last = addr + (ulong)Math.Max(size, 1) - 1;
            return last >= addr && last <= dev.DmaMask;
        }

        /// <summary>swiotlb_map: always bounces; the bounce buffer must itself be reachable.</summary>
        internal ulong SwiotlbMapPhys(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs)
        {
            ulong? tlb = Tlb.MapSingle(dev, phys, size, attrs);
            if (tlb is not ulong t) return ulong.MaxValue;
            if (!Capable(dev, t, size))
            {
                Tlb.Unmap(dev, t, size, dir, attrs | DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC);
                _machine.Reports.Report("swiotlb",
                    $"WARNING: {dev.DriverName} {dev.Name}: swiotlb addr 0x{t:x16}+{size} overflow (mask {dev.DmaMask:x}, bus limit 0).", null, dev);
                return ulong.MaxValue;
            }
            // arch_sync_dma_for_device on the bounce buffer comes here; the bounce copy already wrote the data to RAM
            // and left none of the slot's lines in the cache (PhysicalMemory.CpuCopyToUncachedLines), so the clean has
            // nothing to do: it is counted, not made.
            if (!dev.IsCoherent && (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0) Mem.Cache.CountMaintenance();
            return t;
        }

        /// <summary>The public swiotlb_map: tracked by dma-debug like a single mapping, so dma_unmap_single undoes it.</summary>
        public DmaAddr SwiotlbMap(Device dev, PhysAddr paddr, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            CheckDevice(dev);
            CheckSize(size);
            CheckDir(dir, dev);
            if (!Mem.IsRam(paddr.Value, size)) throw new ArgumentOutOfRangeException(nameof(paddr), $"swiotlb_map: {paddr}+{size} is not RAM");
            if (size > 0) Kasan.Check(_machine, paddr.Value, size, write: false);
            ulong t = SwiotlbMapPhys(dev, paddr.Value, size, dir, attrs);
            if (t == ulong.MaxValue) return Kernel.DMA_MAPPING_ERROR;
            if (Debug.Enabled)
                Debug.AddMapping(new MappingRecord(dev, MapType.Single, t, paddr.Value, size, dir, site)
                {
                    MapErrorCheckable = true, TracksCachelines = dir != DmaDirection.DMA_TO_DEVICE,
                }, skipCpuSync: true); // the bounce slot is private: no shared line
            return new DmaAddr(t);
        }

        public void UnmapSingle(Device dev, DmaAddr addr, int size, DmaDirection dir, DmaAttrs attrs)
        {
            CheckDevice(dev);
            CheckSize(size);
            CheckDir(dir, dev);
            Debug.CheckUnmap(dev, MapType.Single, addr, size, dir);
            DirectUnmap(dev, addr, size, dir, attrs);
        }

        /// <summary>dma_direct_unmap_page: cpu sync (invalidate / bounce out), then release the swiotlb slots.</summary>
        private void DirectUnmap(Device dev, DmaAddr addr, int size, DmaDirection dir, DmaAttrs attrs)
        {
            if (addr == Kernel.DMA_MAPPING_ERROR) return; // nothing was mapped; dma-debug said so
            if (!Mem.IsRam(addr.Value, Math.Max(size, 1)))
            {
                if (!Debug.Enabled) _machine.Reports.Report("dma-direct", $"{dev.DriverName} {dev.Name}: unmap of {addr}+{size}: not RAM, ignored", null, dev);
                return;
            }
            if (Tlb.FindPool(addr.Value) is not null)
            {
                Tlb.Unmap(dev, addr.Value, size, dir, attrs);
                return;
            }
            if (_machine.Bounce.TryUnmap(dev, addr.Value, size, dir, attrs)) return;
            if ((attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) == 0 && !dev.IsCoherent && dir != DmaDirection.DMA_TO_DEVICE)
                Mem.Cache.Invalidate(addr.Value, size);
        }

        public bool MappingError(Device dev, DmaAddr addr)
        {
            CheckDevice(dev);
            Debug.MappingErrorChecked(dev, addr);
            return addr == Kernel.DMA_MAPPING_ERROR;
        }

        public void SyncSingle(Device dev, DmaAddr addr, int size, DmaDirection dir, bool forDevice)
        {
            CheckDevice(dev);
            CheckSize(size);
            CheckDir(dir, dev);
            Debug.CheckSync(dev, addr, size, dir, toCpu: !forDevice);
            DirectSync(dev, addr, size, dir, forDevice);
        }

        private void DirectSync(Device dev, DmaAddr addr, int size, DmaDirection dir, bool forDevice)
        {
            if (addr == Kernel.DMA_MAPPING_ERROR || !Mem.IsRam(addr.Value, Math.Max(size, 1))) return;
            if (Tlb.FindPool(addr.Value) is not null)
            {
                Tlb.Sync(dev, addr.Value, size, dir, forDevice);
                return;
            }
            if (_machine.Bounce.TrySync(dev, addr.Value, size, dir, forDevice)) return;
            if (dev.IsCoherent) return;
            if (forDevice) Mem.Cache.Clean(addr.Value, size);
            else if (dir != DmaDirection.DMA_TO_DEVICE) Mem.Cache.Invalidate(addr.Value, size);
        }

        // ------------------------------------------------------------------ scatterlists

        public int MapSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            CheckDevice(dev);
            CheckDir(dir, dev);
            // Every entry is checked first: one that faults (KASAN, a foreign pointer) throws before any entry is
            // mapped, so no bounce slot is stranded; an invalid area fails the whole list with 0.
            var physs = new ulong[nents];
            bool valid = true;
            for (int i = 0; i < nents && valid; i++)
                valid = TryPhys(dev, sgl[i].Buffer, sgl[i].Length, out physs[i]);
            // dma_direct_map_sg maps every entry on its own (so each one bounces independently).
            var addrs = new ulong[nents];
            var bounced = new bool[nents];
            for (int i = 0; i < nents; i++)
            {
                ScatterList sg = sgl[i];
                ulong a = valid ? DirectMap(dev, physs[i], sg.Length, dir, attrs, site, out bounced[i]) : ulong.MaxValue;
                if (a == ulong.MaxValue)
                {
                    for (int j = 0; j < i; j++)
                        DirectUnmap(dev, new DmaAddr(addrs[j]), sgl[j].Length, dir, attrs | DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC);
                    for (int j = 0; j < nents; j++) { sgl[j].DmaAddress = default; sgl[j].DmaLength = 0; }
                    return 0;
                }
                addrs[i] = a;
                sg.DmaAddress = new DmaAddr(a);
                sg.DmaLength = sg.Length;
            }
            if (Debug.Enabled)
                for (int i = 0; i < nents; i++)
                {
                    ulong phys = sgl[i].Buffer.Address - PhysicalMemory.PageOffset;
                    Debug.AddMapping(new MappingRecord(dev, MapType.Sg, addrs[i], phys, sgl[i].Length, dir, site)
                    {
                        SgCallEnts = nents, SgMappedEnts = nents, MapErrorCheckable = false,
                        TracksCachelines = dir != DmaDirection.DMA_TO_DEVICE,
                    }, (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) != 0);
                    if (!bounced[i]) Debug.CheckSharedLines(dev, phys, sgl[i].Length, dir, attrs);
                }
            return nents;
        }

        public void UnmapSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs)
        {
            CheckDevice(dev);
            CheckDir(dir, dev);
            for (int i = 0; i < nents; i++)
            {
                ScatterList sg = sgl[i];
                Debug.CheckUnmap(dev, MapType.Sg, sg.DmaAddress, sg.DmaLength, dir, sgNents: nents);
                if (sg.DmaLength == 0 && sg.DmaAddress.Value == 0) continue; // never mapped
                DirectUnmap(dev, sg.DmaAddress, sg.DmaLength, dir, attrs);
            }
        }

        public void SyncSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, bool forDevice)
        {
            CheckDevice(dev);
            CheckDir(dir, dev);
            for (int i = 0; i < nents; i++)
            {
                Debug.CheckSync(dev, sgl[i].DmaAddress, sgl[i].DmaLength, dir, toCpu: !forDevice, sgNents: nents);
                DirectSync(dev, sgl[i].DmaAddress, sgl[i].DmaLength, dir, forDevice);
            }
        }
    }
}
