using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The slab allocator against a model, on random sequences of kmalloc, krealloc, kfree and double frees (issue
    /// 13): no two live objects overlap; every object is aligned as its flags say (packed: 8; otherwise
    /// ARCH_DMA_MINALIGN); ksize is at least the size asked for; contents survive krealloc; a kfree of an object
    /// that is no longer live is reported (KASAN's double-free) and changes nothing. CsCheck shrinks a failure to a
    /// shortest sequence and prints the seed that replays it.
    /// </summary>
    public class SlabPropertyTests
    {
        private enum Kind { Alloc, Realloc, Free, DoubleFree }

        private sealed record Op(Kind Kind, int Size, bool Packed, int Target);

        private static readonly Gen<Op> Ops = Gen.Select(Gen.Int[0, 9], Gen.Int[1, 5000], Gen.Bool, Gen.Int[0, 63])
            .Select((kind, size, packed, target) => new Op(
                kind switch { < 5 => Kind.Alloc, < 7 => Kind.Realloc, < 9 => Kind.Free, _ => Kind.DoubleFree },
                // Mostly small sizes, where packing and sharing lines matter; now and then a page-sized one.
                size % 7 == 0 ? size : size % 300 + 1, packed, target));

        [Fact]
        public void RandomSequences_KeepTheAllocatorsInvariants() =>
            Ops.Array[1, 60].Sample(RunAndCheck, iter: Iterations(150));

        private static void RunAndCheck(Op[] ops)
        {
            Machine m = Boot();
            using (m.Enter())
            {
                var live = new List<(KernelPtr Ptr, int Size, bool Packed, byte Fill)>();
                var freed = new List<KernelPtr>();
                byte next = 1;
                foreach (var op in ops)
                {
                    switch (op.Kind)
                    {
                        case Kind.Alloc:
                            {
                                var p = kmalloc(op.Size, op.Packed ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
                                memset(p, next, op.Size);
                                live.Add((p, op.Size, op.Packed, next++));
                                break;
                            }

                        case Kind.Realloc when live.Count > 0:
                            {
                                int i = op.Target % live.Count;
                                var (p, size, packed, fill) = live[i];
                                var q = krealloc(p, op.Size, packed ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
                                Assert.True(q.ToArray(Math.Min(size, op.Size)).All(b => b == fill), "krealloc lost the object's contents");
                                memset(q, fill, op.Size);
                                if (q != p)
                                {
                                    freed.Add(p);
                                }

                                live[i] = (q, op.Size, packed, fill);
                                break;
                            }

                        case Kind.Free when live.Count > 0:
                            {
                                int i = op.Target % live.Count;
                                kfree(live[i].Ptr);
                                freed.Add(live[i].Ptr);
                                live.RemoveAt(i);
                                break;
                            }

                        case Kind.DoubleFree when freed.Count > 0:
                            {
                                var p = freed[op.Target % freed.Count];
                                if (live.Any(o => o.Ptr == p))
                                {
                                    break; // reused since: it is live again, not a double free
                                }

                                Assert.Contains("double-free", Assert.Throws<KasanException>(() => kfree(p)).Message);
                                break;
                            }
                    }

                    CheckLive(m, live);
                }
            }
        }

        private static void CheckLive(Machine m, List<(KernelPtr Ptr, int Size, bool Packed, byte Fill)> live)
        {
            var spans = new List<(ulong Start, ulong End)>();
            foreach (var (p, size, packed, fill) in live)
            {
                int usable = ksize(p);
                Assert.True(usable >= size, $"ksize {usable} below the {size} bytes asked for");
                ulong start = virt_to_phys(p).Value;
                int alignment = packed ? ARCH_KMALLOC_MINALIGN : m.Options.DmaMinAlign;
                Assert.True(start % (ulong)alignment == 0, $"a {(packed ? "packed" : "DMA-aligned")} object of {size} bytes at {start:x} is not {alignment}-aligned");
                Assert.True(p.ToArray(size).All(b => b == fill), "a live object's contents changed");
                spans.Add((start, start + (ulong)usable));
            }

            var ordered = spans.OrderBy(s => s.Start).ToList();
            for (int i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i - 1].End <= ordered[i].Start, $"live objects overlap: [{ordered[i - 1].Start:x}, {ordered[i - 1].End:x}) and [{ordered[i].Start:x}, …)");
            }
        }
    }
}
