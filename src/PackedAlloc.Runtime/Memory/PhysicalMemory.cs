using System;
using System.Threading;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>
    /// Sparse emulated RAM seen through the CPU's write-back data cache. Kernel virtual addresses are a linear map
    /// (<see cref="PageOffset"/> + physical), as on arm64. CPU accesses go through the cache (<see cref="CpuAccess"/>,
    /// <see cref="CpuRead"/>, <see cref="CpuWrite"/>); device accesses (<see cref="DeviceAccess"/>) see RAM only unless
    /// the device is coherent, in which case they snoop the cache.
    /// </summary>
    internal sealed class PhysicalMemory
    {
        public const int PageShift = 12;
        public const int PageSize = 1 << PageShift;

        /// <summary>Start of the linear map (arm64 48-bit VA layout). Keeps NULL and ZERO_SIZE_PTR far from any object.</summary>
        public const ulong PageOffset = 0xffff_0000_0000_0000UL;

        private readonly Machine _machine;
        private readonly Section?[] _sections;

        public PhysicalMemory(Machine machine)
        {
            _machine = machine;
            Size = (ulong)machine.Options.MemoryBytes;
            LineSize = machine.Options.CacheLineSize;
            LineShift = System.Numerics.BitOperations.Log2((uint)LineSize);
            _sections = new Section?[Size >> Section.Shift];
            Cache = new CpuCache(this, machine.Options.PartialLineInvalidate);
            Pages = new PageAllocator(machine, this);
        }

        public ulong Size { get; }
        public int LineSize { get; }
        public int LineShift { get; }
        public CpuCache Cache { get; }
        public PageAllocator Pages { get; }
        public Machine Machine => _machine;

        /// <summary>Sections whose data was touched so far (4 MiB of host memory each, twice: RAM and the CPU's view).</summary>
        public int TouchedSections
        {
            get
            {
                int n = 0;
                foreach (var s in _sections) if (s is not null && s.HasData) n++;
                return n;
            }
        }

        internal Section? PeekSection(int index) => _sections[index];

        internal int SectionCount => _sections.Length;

        public Section SectionOf(ulong phys)
        {
            ulong index = phys >> Section.Shift;
            if (index >= (ulong)_sections.Length)
                throw new ArgumentOutOfRangeException(nameof(phys), $"physical address 0x{phys:x} is beyond RAM (0x{Size:x} bytes)");
            Section? s = Volatile.Read(ref _sections[index]);
            if (s is not null) return s;
            var fresh = new Section(index << Section.Shift, LineShift);
            return Interlocked.CompareExchange(ref _sections[index], fresh, null) ?? fresh;
        }

        public bool IsRam(ulong phys, long length) => length >= 0 && phys < Size && (ulong)length <= Size - phys;

        public PhysAddr VirtToPhys(KernelPtr p)
        {
            if (p.Address < PageOffset || p.Address - PageOffset >= Size)
                throw new ArgumentException($"virt_to_phys used for non-linear address: {p} (the linear map is 0x{PageOffset:x16}..0x{PageOffset + Size - 1:x16})", nameof(p));
            return new PhysAddr(p.Address - PageOffset);
        }

        public KernelPtr PhysToVirt(PhysAddr p)
        {
            if (p.Value >= Size)
                throw new ArgumentOutOfRangeException(nameof(p), $"phys_to_virt: {p} is beyond RAM (0x{Size:x} bytes)");
            return new KernelPtr(p.Value + PageOffset, _machine);
        }

        public static ulong ToVirt(ulong phys) => phys + PageOffset;

        // ---------------------------------------------------------------- page ownership (KASAN by owner)

        public void SetOwner(ulong phys, long length, PageOwner? owner)
        {
            for (ulong pa = phys; pa < phys + (ulong)length; pa += PageSize)
            {
                Section s = SectionOf(pa);
                Volatile.Write(ref s.Owners[(pa - s.Base) >> PageShift], owner);
            }
        }

        public PageOwner? OwnerOf(ulong phys)
        {
            if (phys >= Size) return null;
            Section? s = Volatile.Read(ref _sections[phys >> Section.Shift]);
            return s is null ? null : Volatile.Read(ref s.Owners[(phys - s.Base) >> PageShift]);
        }

        // ---------------------------------------------------------------- CPU side

        /// <summary>
        /// A CPU access through a pointer: checked against the object it points into, then the lines are brought
        /// into the cache (dirty when <paramref name="write"/>) and a span over the CPU's view is returned.
        /// </summary>
        public Span<byte> CpuAccess(KernelPtr p, int length, bool write)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must not be negative.");
            if (p.IsZeroOrNull)
                throw _machine.Reports.Bug("mm", $"BUG: kernel NULL pointer dereference, address: {p.Address:x16} ({(write ? "write" : "read")} of {length} bytes)");
            if (p.Address < PageOffset || p.Address - PageOffset >= Size || length > 0 && (ulong)length > Size - (p.Address - PageOffset))
                throw _machine.Reports.Bug("mm", $"Unable to handle kernel paging request at virtual address {p.Address:x16} ({(write ? "write" : "read")} of {length} bytes)");
            if (length == 0) return Span<byte>.Empty;
            ulong phys = p.Address - PageOffset;
            PageOwner owner = Kasan.Check(_machine, phys, length, write);
            _machine.Debug.CheckCpuAccess(phys, length, write);
            Section s = SectionOf(phys);
            int off = (int)(phys - s.Base);
            if (off + length > Section.Bytes)
                throw new NotSupportedException($"A CPU span of {length} bytes at {p} crosses a 4 MiB memory section; access it in smaller pieces.");
            if (owner.Uncached) return s.Ram.AsSpan(off, length);
            using (s.LockPages(off, length)) Fill(s, off, length, write);
            return s.Cpu.AsSpan(off, length);
        }

        /// <summary>A kernel-internal CPU read by physical address (through the cache, no KASAN check), e.g. swiotlb's memcpy.</summary>
        public void CpuRead(ulong phys, Span<byte> destination)
        {
            CheckRam(phys, destination.Length);
            for (int done = 0; done < destination.Length;)
            {
                (Section s, int off, int len) = Chunk(phys, done, destination.Length);
                if (IsUncached(s, off)) s.Ram.AsSpan(off, len).CopyTo(destination.Slice(done, len));
                else
                    using (s.LockPages(off, len))
                    {
                        Fill(s, off, len, write: false);
                        s.Cpu.AsSpan(off, len).CopyTo(destination.Slice(done, len));
                    }
                done += len;
            }
        }

        /// <summary>A kernel-internal CPU write by physical address (through the cache, no KASAN check).</summary>
        public void CpuWrite(ulong phys, ReadOnlySpan<byte> source)
        {
            CheckRam(phys, source.Length);
            for (int done = 0; done < source.Length;)
            {
                (Section s, int off, int len) = Chunk(phys, done, source.Length);
                if (IsUncached(s, off)) source.Slice(done, len).CopyTo(s.Ram.AsSpan(off, len));
                else
                    using (s.LockPages(off, len))
                    {
                        Fill(s, off, len, write: true, overwritten: true);
                        source.Slice(done, len).CopyTo(s.Cpu.AsSpan(off, len));
                    }
                done += len;
            }
        }

        /// <summary>A CPU memset by physical address (kernel-internal).</summary>
        public void CpuFill(ulong phys, int length, byte value)
        {
            CheckRam(phys, length);
            for (int done = 0; done < length;)
            {
                (Section s, int off, int len) = Chunk(phys, done, length);
                if (IsUncached(s, off)) s.Ram.AsSpan(off, len).Fill(value);
                else
                    using (s.LockPages(off, len))
                    {
                        Fill(s, off, len, write: true, overwritten: true);
                        s.Cpu.AsSpan(off, len).Fill(value);
                    }
                done += len;
            }
        }

        // ---------------------------------------------------------------- bounce copies (swiotlb)

        /// <summary>The CPU's memcpy by physical addresses, through its cache on both sides (the long way).</summary>
        public void CpuCopy(ulong from, ulong to, int length)
        {
            if (length <= 0) return;
            byte[] buf = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            try
            {
                CpuRead(from, buf.AsSpan(0, length));
                CpuWrite(to, buf.AsSpan(0, length));
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buf);
            }
        }

        /// <summary>
        /// The CPU's memcpy into a bounce buffer: <paramref name="from"/> is read through the cache, and the copy
        /// reaches RAM at <paramref name="to"/> with the destination's lines left out of the cache. That is what
        /// <see cref="CpuRead"/>, <see cref="CpuWrite"/> and then a clean of the destination leave in RAM, followed by
        /// an eviction the hardware may make at any time; it is one copy where those make four (the data through a
        /// buffer, into the cache, and back to RAM).
        /// </summary>
        public void CpuCopyToUncachedLines(ulong from, ulong to, int length) => BounceCopy(from, to, length, intoBounce: true);

        /// <summary>
        /// The CPU's memcpy out of a bounce buffer: <paramref name="from"/> is read as the CPU sees it (cached lines
        /// from the cache, the rest from RAM, without bringing them in — a fill and an immediate eviction of clean
        /// lines, which the hardware may do), and <paramref name="to"/> is written through the cache as
        /// <see cref="CpuWrite"/> does. One copy where <see cref="CpuRead"/> and <see cref="CpuWrite"/> make three.
        /// </summary>
        public void CpuCopyFromUncachedLines(ulong from, ulong to, int length) => BounceCopy(from, to, length, intoBounce: false);

        private void BounceCopy(ulong from, ulong to, int length, bool intoBounce)
        {
            CheckRam(from, length);
            CheckRam(to, length);
            for (int done = 0; done < length;)
            {
                (Section src, int srcOff, int srcLen) = Chunk(from, done, length);
                (Section dst, int dstOff, int dstLen) = Chunk(to, done, length);
                int len = Math.Min(srcLen, dstLen);
                using (Section.LockPages(src, srcOff, len, dst, dstOff, len))
                    CopyChunk(src, srcOff, dst, dstOff, len, intoBounce);
                done += len;
            }
        }

        /// <summary>One section-local piece of a bounce copy. Caller holds both ranges' page locks.</summary>
        private void CopyChunk(Section src, int srcOff, Section dst, int dstOff, int len, bool intoBounce)
        {
            if (intoBounce)
            {
                ReadOnlySpan<byte> data;
                if (IsUncached(src, srcOff)) data = src.Ram.AsSpan(srcOff, len);
                else
                {
                    Fill(src, srcOff, len, write: false);
                    data = src.Cpu.AsSpan(srcOff, len);
                }
                if (!IsUncached(dst, dstOff)) EvictForOverwrite(dst, dstOff, len);
                data.CopyTo(dst.Ram.AsSpan(dstOff, len));
                return;
            }

            Span<byte> target;
            if (IsUncached(dst, dstOff)) target = dst.Ram.AsSpan(dstOff, len);
            else
            {
                Fill(dst, dstOff, len, write: true, overwritten: true);
                target = dst.Cpu.AsSpan(dstOff, len);
            }
            bool anyCached = !IsUncached(src, srcOff) && src.AnyLineCached(srcOff >> LineShift, (srcOff + len - 1) >> LineShift);
            if (anyCached) SnoopRead(src, srcOff, len, target);
            else src.Ram.AsSpan(srcOff, len).CopyTo(target);
        }

        /// <summary>Whether [off, off+len) covers only part of <paramref name="line"/> (its first or last line, cut off mid-line).</summary>
        private bool PartlyCovered(int line, int off, int len) =>
            (line == off >> LineShift && (off & (LineSize - 1)) != 0) || (line == (off + len - 1) >> LineShift && ((off + len) & (LineSize - 1)) != 0);

        /// <summary>
        /// Evicts the lines of [off, off+len) before RAM there is overwritten. A cached line the range only partly
        /// covers is written back whole first, clean or dirty: the CPU's write would have made it dirty, so the clean
        /// writes back its other bytes as the cache holds them (stale ones included — the hazard this model exists
        /// to show). A line the range covers wholly needs no write-back.
        /// Caller holds the page locks of the range.
        /// </summary>
        private void EvictForOverwrite(Section s, int off, int len)
        {
            int first = off >> LineShift, last = (off + len - 1) >> LineShift;
            if (!s.AnyLineCached(first, last)) return;
            long writtenBack = 0;
            for (int line = first; line <= last; line++)
            {
                if (s.Lines[line] != CacheLineState.Invalid && PartlyCovered(line, off, len))
                {
                    Buffer.BlockCopy(s.Cpu, line << LineShift, s.Ram, line << LineShift, LineSize);
                    writtenBack++;
                }
                s.Lines[line] = CacheLineState.Invalid;
            }
            if (writtenBack != 0) Cache.CountWriteBacks(writtenBack);
        }

        /// <summary>The part of [phys+done, phys+total) that lies in one section.</summary>
        internal (Section, int, int) Chunk(ulong phys, int done, int total)
        {
            ulong pa = phys + (ulong)done;
            Section s = SectionOf(pa);
            int off = (int)(pa - s.Base);
            return (s, off, Math.Min(total - done, Section.Bytes - off));
        }

        /// <summary>Like <see cref="Chunk"/> but without creating the section.</summary>
        internal (Section?, int, int) PeekChunk(ulong phys, int done, int total)
        {
            ulong pa = phys + (ulong)done;
            Section? s = Volatile.Read(ref _sections[pa >> Section.Shift]);
            int off = (int)(pa & (Section.Bytes - 1));
            return (s, off, Math.Min(total - done, Section.Bytes - off));
        }

        internal void CheckRam(ulong phys, long length)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must not be negative.");
            if (!IsRam(phys, length)) throw new ArgumentOutOfRangeException(nameof(phys), $"0x{phys:x}+{length} is not RAM");
        }

        private static bool IsUncached(Section s, int off) => s.Owners[off >> PageShift]?.Uncached == true;

        /// <summary>
        /// Brings the lines of [off, off+len) into the cache; marks them dirty for a write. When the caller
        /// <paramref name="overwritten"/> every byte of the range, lines it covers wholly are not read from RAM (only
        /// the edge lines keep bytes of their own). Caller holds the page locks of the range.
        /// </summary>
        private void Fill(Section s, int off, int len, bool write, bool overwritten = false)
        {
            // Line states are stored only when they change: a line already dirty is not written again, so two threads
            // working on neighbouring buffers do not bounce the host cache line that holds both buffers' states.
            int first = off >> LineShift, last = (off + len - 1) >> LineShift;
            // The common case in one vectorised look: every line already cached (a read) or already dirty (a write).
            ReadOnlySpan<CacheLineState> states = s.Lines.AsSpan(first, last - first + 1);
            if (write ? states.IndexOfAnyExcept(CacheLineState.Dirty) < 0 : states.IndexOf(CacheLineState.Invalid) < 0) return;
            if (overwritten)
            {
                // Only a partly covered first or last line needs its old bytes; the lines between are all new.
                for (int line = first; line <= last; line++)
                {
                    if (s.Lines[line] == CacheLineState.Invalid && PartlyCovered(line, off, len))
                        Buffer.BlockCopy(s.Ram, line << LineShift, s.Cpu, line << LineShift, LineSize);
                    if (s.Lines[line] != CacheLineState.Dirty) s.Lines[line] = CacheLineState.Dirty;
                }
                return;
            }
            // Lines not cached are read from RAM in runs, one copy per run of neighbours (a copy per 64-byte line was
            // most of a large copy's cost).
            int run = -1;
            for (int line = first; line <= last; line++)
            {
                if (s.Lines[line] == CacheLineState.Invalid)
                {
                    if (run < 0) run = line;
                    s.Lines[line] = CacheLineState.Clean;
                }
                else if (run >= 0)
                {
                    Buffer.BlockCopy(s.Ram, run << LineShift, s.Cpu, run << LineShift, (line - run) << LineShift);
                    run = -1;
                }
                if (write && s.Lines[line] != CacheLineState.Dirty) s.Lines[line] = CacheLineState.Dirty;
            }
            if (run >= 0) Buffer.BlockCopy(s.Ram, run << LineShift, s.Cpu, run << LineShift, (last + 1 - run) << LineShift);
        }

        // ---------------------------------------------------------------- device side

        /// <summary>
        /// A device's bus access. Non-coherent: RAM only, the cache is not looked at. Coherent: the interconnect
        /// snoops, so reads see cached data and writes update cached lines as well as RAM.
        /// </summary>
        public void DeviceAccess(Device dev, DmaAddr addr, int length, ReadOnlySpan<byte> src, Span<byte> dst, bool write)
        {
            if (dev.IsRemoved) throw new InvalidOperationException($"device {dev.Name} was removed");
            if (addr == Kernel.DMA_MAPPING_ERROR)
                throw new ArgumentException(
                    $"device {dev.Name}: DMA {(write ? "write to" : "read from")} DMA_MAPPING_ERROR: the mapping failed. Check dma_mapping_error() (or dma_map_sg() == 0) before giving the address to the device.",
                    nameof(addr));
            if (length == 0) return;
            ulong last = addr.Value + (ulong)length - 1;
            if (last < addr.Value || last > dev.DmaMask)
                throw new ArgumentOutOfRangeException(nameof(addr), $"device {dev.Name} cannot address {addr}+{length}: beyond its {dev.DmaMaskBits}-bit DMA mask");
            if (!IsRam(addr.Value, length))
                throw new ArgumentOutOfRangeException(nameof(addr), $"device {dev.Name}: bus address {addr}+{length} is not RAM (bus error)");
            // Without an IOMMU the access goes ahead whatever the driver mapped; dma-debug says when it was not mapped.
            _machine.Debug.CheckDeviceAccess(dev, addr.Value, length, write);
            for (int done = 0; done < length;)
            {
                (Section s, int off, int len) = Chunk(addr.Value, done, length);
                using (s.LockPages(off, len))
                {
                    if (write)
                    {
                        src.Slice(done, len).CopyTo(s.Ram.AsSpan(off, len));
                        if (dev.IsCoherent) SnoopWrite(s, off, len, src.Slice(done, len));
                    }
                    else if (dev.IsCoherent)
                    {
                        SnoopRead(s, off, len, dst.Slice(done, len));
                    }
                    else
                    {
                        s.Ram.AsSpan(off, len).CopyTo(dst.Slice(done, len));
                    }
                }
                done += len;
            }
        }

        private void SnoopWrite(Section s, int off, int len, ReadOnlySpan<byte> data)
        {
            for (int i = 0; i < len;)
            {
                int line = (off + i) >> LineShift;
                int n = Math.Min(len - i, ((line + 1) << LineShift) - (off + i));
                if (s.Lines[line] != CacheLineState.Invalid) data.Slice(i, n).CopyTo(s.Cpu.AsSpan(off + i, n));
                i += n;
            }
        }

        private void SnoopRead(Section s, int off, int len, Span<byte> data)
        {
            for (int i = 0; i < len;)
            {
                int line = (off + i) >> LineShift;
                int n = Math.Min(len - i, ((line + 1) << LineShift) - (off + i));
                byte[] from = s.Lines[line] != CacheLineState.Invalid ? s.Cpu : s.Ram;
                from.AsSpan(off + i, n).CopyTo(data.Slice(i, n));
                i += n;
            }
        }
    }
}
