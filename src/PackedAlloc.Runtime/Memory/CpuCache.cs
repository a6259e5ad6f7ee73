using System;
using System.Threading;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>
    /// The CPU's write-back data cache, at <see cref="MachineOptions.CacheLineSize"/> granularity. Lines enter on CPU
    /// access and leave deterministically: by the DMA API's cache maintenance (clean, invalidate) or by an explicit
    /// eviction here — the stand-in for the eviction that real hardware does whenever it likes.
    /// </summary>
    public sealed class CpuCache
    {
        private readonly PhysicalMemory _mem;
        private readonly PartialLineInvalidate _partial;
        private long _writeBacks;
        private long _discardedDirty;
        private readonly StripedCounter _maintenance = new StripedCounter();

        internal CpuCache(PhysicalMemory mem, PartialLineInvalidate partial)
        {
            _mem = mem;
            _partial = partial;
        }

        /// <summary>Line size in bytes.</summary>
        public int LineSize => _mem.LineSize;

        /// <summary>Dirty lines written back to RAM so far (clean, eviction, clean+invalidate).</summary>
        public long WriteBacks => Interlocked.Read(ref _writeBacks);

        /// <summary>Dirty lines dropped by an invalidate so far: CPU writes that never reached RAM.</summary>
        public long DiscardedDirtyLines => Interlocked.Read(ref _discardedDirty);

        /// <summary>
        /// Cache maintenance operations so far: each clean, invalidate or clean+invalidate of a range the DMA API made
        /// (arch_sync_dma_for_device / _for_cpu, arch_dma_prep_coherent), however many lines it covered.
        /// </summary>
        public long MaintenanceOperations => _maintenance.Value;

        /// <summary>The state of the line holding <paramref name="p"/>.</summary>
        public CacheLineState StateOf(KernelPtr p)
        {
            ulong phys = _mem.VirtToPhys(p).Value;
            Section s = _mem.SectionOf(phys);
            using (s.LockPages((int)(phys - s.Base), 1)) return s.Lines[(int)(phys - s.Base) >> _mem.LineShift];
        }

        /// <summary>Evicts the lines covering [p, p+length): dirty ones are written back, all become invalid.</summary>
        public void Evict(KernelPtr p, int length)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
            Maintain(_mem.VirtToPhys(p).Value, length, Op.CleanInvalidate, counted: false); // the hardware's doing, not the DMA API's
        }

        /// <summary>Evicts the whole cache: every dirty line is written back, then all lines are invalid.</summary>
        public void EvictAll() => ForAllSections(writeBack: true, invalidate: true);

        /// <summary>Writes back every dirty line; lines stay cached, clean.</summary>
        public void WriteBackAll() => ForAllSections(writeBack: true, invalidate: false);

        private void ForAllSections(bool writeBack, bool invalidate)
        {
            for (int i = 0; i < _mem.SectionCount; i++)
            {
                Section? s = _mem.PeekSection(i);
                if (s is null || !s.HasData) continue;
                using (s.LockPages(0, Section.Bytes))
                {
                    for (int line = 0; line < s.Lines.Length; line++)
                    {
                        if (s.Lines[line] == CacheLineState.Invalid) continue;
                        if (writeBack && s.Lines[line] == CacheLineState.Dirty)
                        {
                            WriteBack(s, line, 1);
                            Interlocked.Increment(ref _writeBacks);
                            s.Lines[line] = CacheLineState.Clean;
                        }
                        if (invalidate) s.Lines[line] = CacheLineState.Invalid;
                    }
                }
            }
        }

        /// <summary>Counts a maintenance operation the model knows has nothing to do and so does not make.</summary>
        internal void CountMaintenance() => _maintenance.Increment();

        /// <summary>Adds write-backs made outside <see cref="Maintain"/> (a bounce copy evicting a dirty edge line).</summary>
        internal void CountWriteBacks(long lines) => Interlocked.Add(ref _writeBacks, lines);

        // arm64 arch_sync_dma_for_device: dcache_clean_poc, whatever the direction.
        internal void Clean(ulong phys, int length) => Maintain(phys, length, Op.Clean);

        // arm64 arch_sync_dma_for_cpu: dcache_inval_poc (partial edge lines per PartialLineInvalidate).
        internal void Invalidate(ulong phys, int length) => Maintain(phys, length, Op.Invalidate);

        // arch_dma_prep_coherent / eviction: dcache_clean_inval_poc.
        internal void CleanInvalidate(ulong phys, int length) => Maintain(phys, length, Op.CleanInvalidate);

        private enum Op { Clean, Invalidate, CleanInvalidate }

        private void Maintain(ulong phys, int length, Op op, bool counted = true)
        {
            if (length <= 0) return;
            if (counted) _maintenance.Increment();
            _mem.CheckRam(phys, length);
            ulong end = phys + (ulong)length;
            ulong mask = (ulong)_mem.LineSize - 1;
            for (int done = 0; done < length;)
            {
                (Section? s, int off, int len) = _mem.PeekChunk(phys, done, length);
                if (s is null || !s.HasData) { done += len; continue; } // never touched: nothing cached
                using (s.LockPages(off, len))
                {
                    int first = off >> _mem.LineShift, last = (off + len - 1) >> _mem.LineShift;
                    // Nothing cached in the range (a bounce buffer after its copy, memory the CPU never read): no line
                    // to look at one by one.
                    if (!s.AnyLineCached(first, last))
                    {
                        done += len;
                        continue;
                    }
                    // Dirty lines written back in runs, one copy per run of neighbours, and the counters added once:
                    // a copy and an interlocked add per 64-byte line were most of a large mapping's cost.
                    int run = -1;
                    long writtenBack = 0, discarded = 0;
                    for (int line = first; line <= last; line++)
                    {
                        CacheLineState st = s.Lines[line];
                        bool writeBack = false;
                        if (st != CacheLineState.Invalid)
                        {
                            switch (op)
                            {
                                case Op.Clean:
                                    if (st == CacheLineState.Dirty) { writeBack = true; s.Lines[line] = CacheLineState.Clean; }
                                    break;
                                case Op.CleanInvalidate:
                                    writeBack = st == CacheLineState.Dirty;
                                    s.Lines[line] = CacheLineState.Invalid;
                                    break;
                                case Op.Invalidate:
                                    ulong lineStart = s.Base + ((ulong)line << _mem.LineShift);
                                    bool partial = (lineStart < phys && (phys & mask) != 0) || (lineStart + mask + 1 > end && (end & mask) != 0);
                                    if (st == CacheLineState.Dirty)
                                    {
                                        if (partial && _partial == PartialLineInvalidate.CleanAndInvalidate) writeBack = true;
                                        else discarded++;
                                    }
                                    s.Lines[line] = CacheLineState.Invalid;
                                    break;
                            }
                        }

                        if (writeBack)
                        {
                            if (run < 0) run = line;
                            writtenBack++;
                        }
                        else if (run >= 0)
                        {
                            WriteBack(s, run, line - run);
                            run = -1;
                        }
                    }

                    if (run >= 0) WriteBack(s, run, last + 1 - run);
                    if (writtenBack != 0) Interlocked.Add(ref _writeBacks, writtenBack);
                    if (discarded != 0) Interlocked.Add(ref _discardedDirty, discarded);
                }
                done += len;
            }
        }

        /// <summary>Copies <paramref name="count"/> lines from <paramref name="line"/> on back to RAM (the caller counts them).</summary>
        private void WriteBack(Section s, int line, int count) =>
            Buffer.BlockCopy(s.Cpu, line << _mem.LineShift, s.Ram, line << _mem.LineShift, count << _mem.LineShift);
    }
}
