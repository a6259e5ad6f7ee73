using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// CONFIG_DMA_API_DEBUG (kernel/dma/debug.c): tracks every mapping and coherent allocation and reports misuse
    /// with the kernel's texts, prefixed "DMA-API: driver device: ". Overlapping cache-line mappings and mappings of
    /// packed objects that share a line carry rule id PA0001, the static rule that predicts them; an unmap of a
    /// mapping nobody checked for an error carries PA0003; a mapping's broken lifetime (an unmap or sync that does not
    /// match the mapping, a free of mapped memory, a mapping left at device removal) carries PA0007.
    /// </summary>
    internal sealed class DmaDebug
    {
        public const string RuleSharedCacheline = "PA0001";
        public const string RuleMappingErrorNotChecked = "PA0003";
        public const string RuleMappingLifetime = "PA0007";
        public const string RuleCpuTouchesDeviceMemory = "PA0006";
        private const int MaxOverlap = 7; // ACTIVE_CACHELINE_MAX_OVERLAP

        private readonly Machine _machine;

        // Each device's entries under a lock of its own (DebugDeviceState); the devices that have any, in an array
        // replaced whole when one is added or released, so the checks on every CPU access and kfree walk it without a
        // lock. Cache lines are machine-wide (the kernel's radix tree of active lines is), so they are counted in a
        // concurrent map.
        private readonly Lock _devicesLock = new Lock();
        private DebugDeviceState[] _devices = Array.Empty<DebugDeviceState>();
        private readonly MachineCounts _activeLines = new MachineCounts();

        private DebugDeviceState EntriesOf(Device dev) => dev.DebugState ?? Register(dev);

        private DebugDeviceState Register(Device dev)
        {
            lock (_devicesLock)
            {
                if (dev.DebugState is DebugDeviceState known) return known;
                var state = new DebugDeviceState(dev);
                var next = new DebugDeviceState[_devices.Length + 1];
                _devices.CopyTo(next, 0);
                next[^1] = state;
                Volatile.Write(ref _devices, next);
                dev.DebugState = state;
                return state;
            }
        }

        /// <summary>
        /// Live mappings per cache line, machine-wide, counted by several threads without a common lock.
        /// A count that drops to zero keeps its key, so mapping the same buffer again allocates nothing; keys at zero
        /// are dropped in one sweep once there are many (a soak over all of memory would otherwise keep them all).
        /// </summary>
        private sealed class MachineCounts
        {
            // More lock stripes than the default (one per CPU): two threads counting two lines rarely share one.
            private readonly ConcurrentDictionary<ulong, int> _counts = new ConcurrentDictionary<ulong, int>(concurrencyLevel: 64, capacity: 64);
            private int _keys;
            private int _sweepAbove = 1 << 16;

            /// <summary>Adds one and returns the count before.</summary>
            public int Increment(ulong key)
            {
                // A key seen before (a buffer mapped again) is the common case: update first, add only when missing.
                while (true)
                {
                    if (_counts.TryGetValue(key, out int n))
                    {
                        if (_counts.TryUpdate(key, n + 1, n)) return n;
                    }
                    else if (_counts.TryAdd(key, 1))
                    {
                        if (Interlocked.Increment(ref _keys) > Volatile.Read(ref _sweepAbove)) Sweep();
                        return 0;
                    }
                }
            }

            public void Decrement(ulong key) => _counts.AddOrUpdate(key, 0, static (_, n) => n - 1);

            public bool IsLive(ulong key) => _counts.TryGetValue(key, out int n) && n > 0;

            private void Sweep()
            {
                foreach (var pair in _counts)
                {
                    // Removed only if still zero: a concurrent Increment wins.
                    if (pair.Value == 0 && _counts.TryRemove(new KeyValuePair<ulong, int>(pair.Key, 0))) Interlocked.Decrement(ref _keys);
                }

                Volatile.Write(ref _sweepAbove, Math.Max(1 << 16, 2 * Volatile.Read(ref _keys)));
            }
        }

        public DmaDebug(Machine machine)
        {
            _machine = machine;
            Enabled = machine.Options.DmaDebug;
        }

        public bool Enabled { get; }

        /// <summary>Live entries.</summary>
        public int Count
        {
            get
            {
                int n = 0;
                foreach (DebugDeviceState device in Volatile.Read(ref _devices)) n += device.Live;
                return n;
            }
        }

        public static string DirName(DmaDirection dir) => dir switch
        {
            DmaDirection.DMA_BIDIRECTIONAL => "DMA_BIDIRECTIONAL",
            DmaDirection.DMA_TO_DEVICE => "DMA_TO_DEVICE",
            DmaDirection.DMA_FROM_DEVICE => "DMA_FROM_DEVICE",
            _ => "DMA_NONE",
        };

        public static string TypeName(MapType t) => t switch
        {
            MapType.Single => "single",
            MapType.Page => "page",
            MapType.Sg => "scather-gather",
            _ => "coherent",
        };

        /// <summary>err_printk: "DMA-API: driver device: text" (+ where the entry was mapped).</summary>
        public void Err(Device dev, string text, CallerLocation mappedAt = default, string? ruleId = null)
        {
            string msg = $"DMA-API: {dev.DriverName} {dev.Name}: {text}";
            if (mappedAt.IsTracked) msg += $"\nMapped at: {mappedAt}";
            _machine.Reports.Report("dma-debug", msg, ruleId, dev);
        }

        // ------------------------------------------------------------------ map

        public void InvalidArea(Device dev, KernelPtr ptr, int size)
        {
            if (Enabled) Err(dev, $"device driver maps memory from invalid area [addr={ptr}] [len={size}]");
        }

        public void AddMapping(in MappingRecord record, bool skipCpuSync)
        {
            if (!Enabled) return;
            List<string>? errors = null;
            var entries = EntriesOf(record.Dev);
            lock (entries.Lock)
            {
                entries.Add(record);
                if (record.TracksCachelines)
                {
                    // As active_cacheline_insert: one entry per mapping, under its first cache line (the kernel's radix
                    // tree is keyed by it), so two mappings overlap when they start in the same line. Counting every
                    // line of the mapping reported overlaps the kernel does not, and cost two dictionary updates per
                    // line of every mapping (1,024 for 64 KiB).
                    ulong line = FirstLine(record.Paddr);
                    int n = _activeLines.Increment(line);
                    if (n >= MaxOverlap)
                    {
                        (errors ??= new List<string>()).Add($"exceeded {MaxOverlap} overlapping mappings of cacheline 0x{line << _machine.Memory.LineShift:x16}");
                    }
                    else if (n > 0 && !skipCpuSync && !_machine.Bounce.Active)
                    {
                        // The Oct 2025 fix: with kmalloc bouncing active, small buffers bounce and the overlap is harmless.
                        (errors ??= new List<string>()).Add("cacheline tracking EEXIST, overlapping mappings aren't supported");
                    }
                }
            }
            if (errors is not null)
                foreach (string e in errors) Err(record.Dev, e, record.MappedAt, RuleSharedCacheline);
        }

        /// <summary>
        /// PackedAlloc's own check, the dynamic twin of rule PA0001: a non-bounced FROM_DEVICE/BIDIRECTIONAL mapping
        /// on a non-coherent device whose first or last cache line is shared with memory outside the mapping.
        /// </summary>
        public void CheckSharedLines(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs)
        {
            if (!Enabled || size == 0 || dev.IsCoherent || dir == DmaDirection.DMA_TO_DEVICE || (attrs & DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC) != 0) return;
            ulong mask = (ulong)_machine.Memory.LineSize - 1;
            ulong end = phys + (ulong)size;
            if ((phys & mask) == 0 && (end & mask) == 0) return;
            Slab.ObjectInfo? obj = _machine.Slab.Lookup(phys);
            // A partly covered line is only shared when it holds bytes outside the buffer's own object: the rest of a
            // DMA-aligned kmalloc-128 object behind a 16-byte mapping belongs to nobody else.
            if (obj is not null && (phys & ~mask) >= obj.Start && ((end + mask) & ~mask) <= obj.Start + (ulong)obj.Size) return;
            string what = obj is null ? "" : $" [{obj.CacheName} object of {obj.Requested} bytes{(obj.Packed ? ", __GFP_PACKED" : "")}, allocated at {CallerLocation.Describe(obj.Site)}]";
            Err(dev, $"device driver maps memory that shares a cache line with other data [addr=0x{PhysicalMemory.ToVirt(phys):x16}] [len={size}] [mapped with {DirName(dir)}]{what}: the CPU's cache maintenance on the shared line can corrupt the buffer or its neighbours (PackedAlloc check)",
                default, obj?.Packed == true ? RuleSharedCacheline : null);
        }

        private ulong FirstLine(ulong paddr) => paddr >> _machine.Memory.LineShift;

        /// <summary>Drops an entry (its device keeps it for a later mapping). Caller holds its device's lock.</summary>
        private void RemoveLocked(DebugDeviceState entries, DebugEntry e)
        {
            if (e.TracksCachelines) _activeLines.Decrement(FirstLine(e.Paddr));
            entries.Remove(e);
        }

        // ------------------------------------------------------------------ dma_mapping_error

        public void MappingErrorChecked(Device dev, DmaAddr addr)
        {
            if (!Enabled) return;
            var entries = EntriesOf(dev);
            lock (entries.Lock)
            {
                if (!entries.ByAddr.TryGetValue(addr.Value, out var list)) return;
                // debug_dma_mapping_error marks the first matching entry that is still unchecked.
                foreach (DebugEntry e in list)
                    if (e.MapErrorCheckable && !e.MapErrorChecked) { e.MapErrorChecked = true; return; }
            }
        }

        // ------------------------------------------------------------------ unmap / free (check_unmap)

        /// <summary>check_unmap. Returns false when the kernel would not find the mapping (the caller then does nothing harmful).</summary>
        public void CheckUnmap(Device dev, MapType type, DmaAddr addr, int size, DmaDirection dir, int sgNents = 0, ulong cpuAddr = 0)
        {
            if (!Enabled) return;
            if (addr == Kernel.DMA_MAPPING_ERROR && type != MapType.Coherent)
            {
                Err(dev, "device driver tries to free an invalid DMA memory address", ruleId: RuleMappingLifetime);
                return;
            }
            // The list and the texts are made only for a report: an unmap that is in order allocates nothing.
            // A report prints where the entry was mapped, copied here: the entry is recycled once dropped.
            List<(string, CallerLocation, string?)>? errs = null;
            void Found(string text, DebugEntry? entry, string? ruleId = RuleMappingLifetime) => (errs ??= new List<(string, CallerLocation, string?)>()).Add((text, entry?.MappedAt ?? default, ruleId));
            var entries = EntriesOf(dev);
            lock (entries.Lock)
            {
                DebugEntry? e = FindExact(entries, addr.Value, type, size, dir, sgNents);
                if (e is null)
                {
                    Found($"device driver tries to free DMA memory it has not allocated [device address=0x{addr.Value:x16}] [size={size} bytes]", null);
                }
                else
                {
                    // check_unmap prints ref->size, the size the driver unmaps with, except in the size message.
                    string At() => $"[device address=0x{addr.Value:x16}] [size={size} bytes]";
                    if (e.Size != size)
                        Found($"device driver frees DMA memory with different size [device address=0x{addr.Value:x16}] [map size={e.Size} bytes] [unmap size={size} bytes]", e);
                    if (e.Type != type)
                        Found($"device driver frees DMA memory with wrong function {At()} [mapped as {TypeName(e.Type)}] [unmapped as {TypeName(type)}]", e);
                    else if (type == MapType.Coherent && cpuAddr != e.CpuAddr)
                        Found($"device driver frees DMA memory with different CPU address {At()} [cpu alloc address=0x{e.Paddr:x16}] [cpu free address=0x{unchecked(cpuAddr - PhysicalMemory.PageOffset):x16}]", e);
                    if (type == MapType.Sg && sgNents != 0 && e.SgCallEnts != sgNents)
                        Found($"device driver frees DMA sg list with different entry count [map count={e.SgCallEnts}] [unmap count={sgNents}]", e);
                    if (e.Dir != dir)
                        Found($"device driver frees DMA memory with different direction {At()} [mapped with {DirName(e.Dir)}] [unmapped with {DirName(dir)}]", e);
                    if (e.MapErrorCheckable && !e.MapErrorChecked)
                        Found($"device driver failed to check map error{At()} [mapped as {TypeName(e.Type)}]", e, RuleMappingErrorNotChecked);
                    RemoveLocked(entries, e);
                }
            }
            if (errs is null) return;
            foreach ((string text, CallerLocation mappedAt, string? ruleId) in errs) Err(dev, text, mappedAt, ruleId);
        }

        /// <summary>
        /// bucket_find_exact (__hash_bucket_find): among the entries at this device address, a perfect fit (size,
        /// type, direction and sg entry count) wins; otherwise the best fit, but only when it is the sole match —
        /// several matches without a perfect fit find nothing, as in the kernel.
        /// </summary>
        private static DebugEntry? FindExact(DebugDeviceState entries, ulong addr, MapType type, int size, DmaDirection dir, int sgNents)
        {
            if (!entries.ByAddr.TryGetValue(addr, out var list) || list.Count == 0) return null;
            DebugEntry? best = null;
            int bestLevel = -1;
            foreach (DebugEntry e in list)
            {
                int level = (e.Size == size ? 1 : 0) + (e.Type == type ? 1 : 0) + (e.Dir == dir ? 1 : 0) + (e.SgCallEnts == sgNents ? 1 : 0);
                if (level == 4) return e;
                if (level > bestLevel) { best = e; bestLevel = level; }
            }
            return list.Count == 1 ? best : null;
        }

        // ------------------------------------------------------------------ sync (check_sync)

        public void CheckSync(Device dev, DmaAddr addr, int size, DmaDirection dir, bool toCpu, int sgNents = 0)
        {
            if (!Enabled) return;
            // As check_unmap: the list and the texts are made only for a report.
            List<string>? errs = null;
            void Found(string text) => (errs ??= new List<string>()).Add(text);
            DebugEntry? found = null;
            CallerLocation mappedAt = default;
            var entries = EntriesOf(dev);
            lock (entries.Lock)
            {
                // A sync may address a sub-range: find the entry containing [addr, addr+size).
                foreach (var kv in entries.ByAddr)
                {
                    foreach (DebugEntry e in kv.Value)
                        if (e.Type != MapType.Coherent && addr.Value >= e.DevAddr && addr.Value < e.DevAddr + (ulong)Math.Max(e.Size, 1)) { found = e; break; }
                    if (found is not null) break;
                }
                if (found is not null)
                {
                    found.DeviceOwns = !toCpu && found.Dir != DmaDirection.DMA_TO_DEVICE;
                    mappedAt = found.MappedAt;
                }
                if (found is null)
                    Found($"device driver tries to sync DMA memory it has not allocated [device address=0x{addr.Value:x16}] [size={size} bytes]");
                else
                {
                    if (addr.Value + (ulong)size > found.DevAddr + (ulong)found.Size)
                        Found($"device driver syncs DMA memory outside allocated range [device address=0x{found.DevAddr:x16}] [allocation size={found.Size} bytes] [sync offset+size={addr.Value - found.DevAddr + (ulong)size}]");
                    if (found.Dir != DmaDirection.DMA_BIDIRECTIONAL)
                    {
                        // check_sync prints the address synced with the size of the mapping (entry->size).
                        DebugEntry mapping = found;
                        string Dirs() => $"[device address=0x{addr.Value:x16}] [size={mapping.Size} bytes] [mapped with {DirName(mapping.Dir)}] [synced with {DirName(dir)}]";
                        if (found.Dir != dir)
                            Found($"device driver syncs DMA memory with different direction {Dirs()}");
                        if (toCpu && found.Dir != DmaDirection.DMA_FROM_DEVICE && dir != DmaDirection.DMA_TO_DEVICE)
                            Found($"device driver syncs device read-only DMA memory for cpu {Dirs()}");
                        if (!toCpu && found.Dir != DmaDirection.DMA_TO_DEVICE && dir != DmaDirection.DMA_FROM_DEVICE)
                            Found($"device driver syncs device write-only DMA memory to device {Dirs()}");
                        // Checked last and, like the direction checks, not for a DMA_BIDIRECTIONAL mapping.
                        if (sgNents != 0 && found.SgCallEnts != sgNents)
                            Found($"device driver syncs DMA sg list with different entry count [map count={found.SgCallEnts}] [sync count={sgNents}]");
                    }
                }
            }
            if (errs is null) return;
            foreach (string e in errs) Err(dev, e, mappedAt, RuleMappingLifetime);
        }

        // ------------------------------------------------------------------ device accesses

        /// <summary>
        /// PackedAlloc's own check: the device reads or writes bus addresses that no live mapping or coherent allocation
        /// of this device covers (never mapped, already unmapped, past the end of a mapping). A system without an IOMMU
        /// lets the access through and nothing notices; the emulation knows every mapping, so it reports it (and the
        /// access still happens, as it would on the hardware).
        /// </summary>
        public void CheckDeviceAccess(Device dev, ulong addr, int length, bool write)
        {
            if (!Enabled || length <= 0) return;
            ulong end = addr + (ulong)length;
            var entries = EntriesOf(dev);
            lock (entries.Lock)
            {
                var spans = new List<(ulong Start, ulong End)>();
                foreach (var kv in entries.ByAddr)
                {
                    foreach (DebugEntry e in kv.Value)
                    {
                        ulong eEnd = e.DevAddr + (ulong)e.Size;
                        if (e.DevAddr < end && addr < eEnd) spans.Add((e.DevAddr, eEnd));
                    }
                }
                spans.Sort();
                ulong covered = addr;
                foreach (var (start, stop) in spans)
                {
                    if (start > covered) break;
                    if (stop > covered) covered = stop;
                    if (covered >= end) return;
                }
            }
            Err(dev, $"device {(write ? "writes to" : "reads from")} memory that is not mapped for it [device address=0x{addr:x16}] [size={length} bytes]: no mapping or coherent allocation of this device covers it (never mapped, already unmapped, or past the end of a mapping; PackedAlloc check)");
        }

        // ------------------------------------------------------------------ frees of mapped memory, device removal

        /// <summary>
        /// A CPU access (through a kernel pointer) to memory a device owns: a streaming mapping for the device to write,
        /// or synced for the device, and not synced back for the CPU. The kernel cannot see this; the emulation can.
        /// </summary>
        public void CheckCpuAccess(ulong phys, int size, bool write)
        {
            if (!Enabled || size <= 0) return;
            foreach (DebugDeviceState device in Volatile.Read(ref _devices))
            {
                if (!device.MayCover(phys, size)) continue;
                string? text = null;
                CallerLocation mappedAt = default;
                lock (device.Lock)
                {
                    foreach (var list in device.ByAddr.Values)
                    {
                        foreach (DebugEntry e in list)
                        {
                            if (!e.DeviceOwns || e.Type == MapType.Coherent || e.Paddr >= phys + (ulong)size || phys >= e.Paddr + (ulong)Math.Max(e.Size, 1)) continue;
                            text = $"CPU {(write ? "writes" : "reads")} memory the device owns [addr=0x{PhysicalMemory.ToVirt(phys):x16}] [len={size}] [device address=0x{e.DevAddr:x16}] [mapped with {DirName(e.Dir)}]: sync it for the CPU (dma_sync_single_for_cpu) or unmap it first";
                            mappedAt = e.MappedAt;
                            break;
                        }
                        if (text is not null) break;
                    }
                }
                if (text is null) continue;
                Err(device.Device, text, mappedAt, RuleCpuTouchesDeviceMemory);
                return;
            }
        }

        /// <summary>Reports live mappings inside memory being freed (kfree of a buffer still mapped for DMA).</summary>
        public void CheckNoObjFreed(ulong phys, int size)
        {
            if (!Enabled || size <= 0) return;
            foreach (DebugDeviceState device in Volatile.Read(ref _devices))
            {
                if (!device.MayCover(phys, size)) continue;
                List<(string, CallerLocation)>? hits = null;
                lock (device.Lock)
                {
                    foreach (var list in device.ByAddr.Values)
                        foreach (DebugEntry e in list)
                            if (e.Type != MapType.Coherent && e.Paddr < phys + (ulong)size && phys < e.Paddr + (ulong)Math.Max(e.Size, 1))
                                (hits ??= new List<(string, CallerLocation)>()).Add(($"device driver frees memory that is still DMA-mapped [device address=0x{e.DevAddr:x16}] [size={e.Size} bytes] [mapped with {DirName(e.Dir)}] [mapped as {TypeName(e.Type)}]", e.MappedAt));
                }
                if (hits is null) continue;
                foreach ((string text, CallerLocation mappedAt) in hits) Err(device.Device, text, mappedAt, RuleMappingLifetime);
            }
        }

        /// <summary>dma_debug_device_change on BUS_NOTIFY_UNBOUND_DRIVER: leaked entries are reported and dropped.</summary>
        public void DeviceReleased(Device dev)
        {
            if (!Enabled || dev.DebugState is not DebugDeviceState entries) return;
            lock (_devicesLock)
            {
                Volatile.Write(ref _devices, Array.FindAll(_devices, d => d != entries));
                dev.DebugState = null;
            }
            string? details = null;
            CallerLocation mappedAt = default;
            int count = 0;
            lock (entries.Lock)
            {
                var leaked = new List<DebugEntry>();
                foreach (var kv in entries.ByAddr) leaked.AddRange(kv.Value);
                count = leaked.Count;
                if (count > 0)
                {
                    DebugEntry first = leaked[0];
                    details = $"[device address=0x{first.DevAddr:x16}] [size={first.Size} bytes] [mapped with {DirName(first.Dir)}] [mapped as {TypeName(first.Type)}]";
                    mappedAt = first.MappedAt;
                }
                foreach (DebugEntry e in leaked) RemoveLocked(entries, e);
            }
            if (count == 0) return;
            Err(dev, $"device driver has pending DMA allocations while released from device [count={count}]\nOne of leaked entries details: {details}", mappedAt, RuleMappingLifetime);
        }
    }
}
