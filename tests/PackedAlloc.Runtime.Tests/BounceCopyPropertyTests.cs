using System;
using CsCheck;
using PackedAlloc.Runtime.Memory;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The swiotlb's bounce copies take a short cut through the cache model (issue 15): into a bounce buffer, one copy
    /// straight to RAM with the destination's lines evicted; out of it, one copy from what the CPU sees without bringing
    /// the lines in. These properties run random CPU writes, reads, cache maintenance, device writes and bounce copies on
    /// two machines, one with the short cuts and one with the long way they stand for (the CPU's read and write through
    /// the cache, then the clean and the eviction the hardware may make at any time), and require RAM, every line's
    /// state and every cached line's bytes to be the same after each step.
    /// </summary>
    public class BounceCopyPropertyTests
    {
        // Two regions of 12 KiB; the first straddles a 4 MiB section boundary, so copies are split between sections.
        private const ulong Orig = (4UL << 20) - 4096;
        private const ulong Tlb = 64UL << 20;
        private const int Region = 12 * 1024;

        private enum Kind { CpuWrite, CpuRead, Clean, Invalidate, Evict, DeviceWrite, BounceIn, BounceOut }

        private sealed record Step(Kind Kind, bool InTlb, int Offset, int OtherOffset, int Length, byte Seed);

        private static readonly Gen<Step> Steps = Gen.Select(Gen.Int[0, 7], Gen.Bool, Gen.Int[0, Region - 1], Gen.Int[0, Region - 1], Gen.Int[1, 4096], Gen.Byte)
            .Select((kind, inTlb, offset, other, length, seed) => new Step((Kind)kind, inTlb, offset, other, Math.Min(length, Region - Math.Max(offset, other)), seed));

        [Fact]
        public void BounceCopies_LeaveMemoryAsTheCpuCopyAndAnEvictionWould() =>
            Steps.Array[1, 40].Sample(Run, iter: Iterations(150));

        private static void Run(Step[] steps)
        {
            Machine fast = Boot(swiotlb: 0, dmaDebug: false), slow = Boot(swiotlb: 0, dmaDebug: false);
            Device fastDev = fast.CreateDevice("dev", coherent: false), slowDev = slow.CreateDevice("dev", coherent: false);
            for (int i = 0; i < steps.Length; i++)
            {
                Step s = steps[i];
                ulong at = (s.InTlb ? Tlb : Orig) + (ulong)s.Offset;
                switch (s.Kind)
                {
                    case Kind.CpuWrite:
                        byte[] data = Pattern(s.Length, s.Seed);
                        fast.Memory.CpuWrite(at, data);
                        slow.Memory.CpuWrite(at, data);
                        break;
                    case Kind.CpuRead:
                        var a = new byte[s.Length];
                        var b = new byte[s.Length];
                        fast.Memory.CpuRead(at, a);
                        slow.Memory.CpuRead(at, b);
                        Assert.True(a.AsSpan().SequenceEqual(b), $"step {i}: the CPU read different bytes");
                        break;
                    case Kind.Clean:
                        fast.Memory.Cache.Clean(at, s.Length);
                        slow.Memory.Cache.Clean(at, s.Length);
                        break;
                    case Kind.Invalidate:
                        fast.Memory.Cache.Invalidate(at, s.Length);
                        slow.Memory.Cache.Invalidate(at, s.Length);
                        break;
                    case Kind.Evict:
                        fast.Memory.Cache.CleanInvalidate(at, s.Length);
                        slow.Memory.Cache.CleanInvalidate(at, s.Length);
                        break;
                    case Kind.DeviceWrite:
                        byte[] written = Pattern(s.Length, s.Seed);
                        fast.Memory.DeviceAccess(fastDev, new DmaAddr(at), s.Length, written, default, write: true);
                        slow.Memory.DeviceAccess(slowDev, new DmaAddr(at), s.Length, written, default, write: true);
                        break;
                    case Kind.BounceIn:
                    {
                        ulong from = Orig + (ulong)s.OtherOffset, to = Tlb + (ulong)s.Offset;
                        fast.Memory.CpuCopyToUncachedLines(from, to, s.Length);
                        var copy = new byte[s.Length];
                        slow.Memory.CpuRead(from, copy);
                        slow.Memory.CpuWrite(to, copy);
                        slow.Memory.Cache.CleanInvalidate(to, s.Length);
                        break;
                    }
                    case Kind.BounceOut:
                    {
                        ulong from = Tlb + (ulong)s.Offset, to = Orig + (ulong)s.OtherOffset;
                        fast.Memory.CpuCopyFromUncachedLines(from, to, s.Length);
                        bool[] wasCached = CachedLines(slow, from, s.Length);
                        var copy = new byte[s.Length];
                        slow.Memory.CpuRead(from, copy);
                        slow.Memory.CpuWrite(to, copy);
                        // The lines the read brought in are clean: evicting them writes nothing back.
                        int lineSize = slow.Memory.LineSize;
                        ulong firstLine = from & ~(ulong)(lineSize - 1);
                        for (int l = 0; l < wasCached.Length; l++)
                            if (!wasCached[l]) slow.Memory.Cache.Invalidate(firstLine + (ulong)(l * lineSize), lineSize);
                        break;
                    }
                }

                string after = $"after step {i} ({s})";
                AssertSame(fast, slow, Orig, after);
                AssertSame(fast, slow, Tlb, after);
            }
        }

        private static bool[] CachedLines(Machine m, ulong phys, int length)
        {
            int lineSize = m.Memory.LineSize;
            ulong first = phys / (ulong)lineSize, last = (phys + (ulong)length - 1) / (ulong)lineSize;
            var cached = new bool[last - first + 1];
            for (ulong line = first; line <= last; line++)
            {
                Section s = m.Memory.SectionOf(line * (ulong)lineSize);
                cached[line - first] = s.Lines[(int)(line * (ulong)lineSize - s.Base) / lineSize] != CacheLineState.Invalid;
            }
            return cached;
        }

        private static void AssertSame(Machine fast, Machine slow, ulong region, string step)
        {
            int lineSize = fast.Memory.LineSize;
            for (ulong phys = region; phys < region + Region; phys += (ulong)lineSize)
            {
                Section f = fast.Memory.SectionOf(phys), s = slow.Memory.SectionOf(phys);
                int off = (int)(phys - f.Base), line = off / lineSize;
                Assert.True(f.Lines[line] == s.Lines[line], $"{step}: line 0x{phys:x} is {f.Lines[line]} with the short cut, {s.Lines[line]} the long way");
                Assert.True(f.Ram.AsSpan(off, lineSize).SequenceEqual(s.Ram.AsSpan(off, lineSize)), $"{step}: RAM of line 0x{phys:x} differs");
                if (f.Lines[line] != CacheLineState.Invalid)
                    Assert.True(f.Cpu.AsSpan(off, lineSize).SequenceEqual(s.Cpu.AsSpan(off, lineSize)), $"{step}: the cached copy of line 0x{phys:x} differs");
            }
        }
    }
}
