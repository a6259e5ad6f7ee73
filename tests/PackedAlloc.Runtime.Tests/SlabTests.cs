using System;
using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    public class SlabTests
    {
        [Theory]
        [InlineData(1, 8)]
        [InlineData(8, 8)]
        [InlineData(9, 16)]
        [InlineData(24, 32)]
        [InlineData(33, 64)]
        [InlineData(65, 96)]
        [InlineData(96, 96)]
        [InlineData(97, 128)]
        [InlineData(129, 192)]
        [InlineData(193, 256)]
        [InlineData(257, 512)]
        [InlineData(4097, 8192)]
        [InlineData(8192, 8192)]
        [InlineData(8193, 12288 + 4096)]
        public void PackedSizeClassesAreLinuxs(int size, int expected)
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(size, GFP_KERNEL | __GFP_PACKED);
                Assert.Equal(expected, ksize(p));
                Assert.Equal(expected, kmalloc_size_roundup(size, GFP_KERNEL | __GFP_PACKED));
            }
        }

        [Theory]
        [InlineData(1, 128)]
        [InlineData(24, 128)]
        [InlineData(96, 128)]
        [InlineData(129, 256)]
        [InlineData(192, 256)]
        [InlineData(257, 512)]
        public void NonPackedObjectsAreDmaAligned(int size, int expected)
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr[] ptrs = Enumerable.Range(0, 5).Select(_ => kmalloc(size, GFP_KERNEL)).ToArray();
                foreach (KernelPtr p in ptrs)
                {
                    Assert.Equal(expected, ksize(p));
                    Assert.Equal(0UL, virt_to_phys(p).Value % 128);
                }
                // No two objects share a 128-byte granule, so no cache line either.
                Assert.Equal(ptrs.Length, ptrs.Select(p => virt_to_phys(p).Value / 128).Distinct().Count());
            }
        }

        [Fact]
        public void DmaMinAlignIsConfigurable()
        {
            Machine m = Boot(dmaMinAlign: 256, lineSize: 128);
            using (m.Enter())
            {
                Assert.Equal(256, ksize(kmalloc(10, GFP_KERNEL)));
                Assert.Equal(16, ksize(kmalloc(10, GFP_KERNEL | __GFP_PACKED)));
                Assert.Equal(256, dma_get_cache_alignment());
            }
        }

        [Fact]
        public void PackedObjectsAreEightByteAligned()
        {
            Machine m = Boot();
            using (m.Enter())
                for (int size = 1; size <= 200; size += 7)
                    Assert.Equal(0UL, kmalloc(size, GFP_KERNEL | __GFP_PACKED).Address % 8);
        }

        [Fact]
        public void KzallocZeroes_KmallocDoesNotPromise()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                memset(p, 0x5A, 64);
                kfree(p);
                m.Slab.DrainQuarantine();
                KernelPtr q = kzalloc(64, GFP_KERNEL);
                Assert.Equal(p, q); // recycled object...
                Assert.All(q.ToArray(64), b => Assert.Equal(0, b)); // ...but zeroed
                KernelPtr c = kcalloc(4, 16, GFP_KERNEL);
                Assert.All(c.ToArray(64), b => Assert.Equal(0, b));
            }
        }

        [Fact]
        public void ArrayOverflowReturnsNull()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.True(kcalloc(int.MaxValue, 16, GFP_KERNEL).IsNull);
                Assert.True(kmalloc_array(1 << 20, 1 << 12, GFP_KERNEL).IsNull);
                Assert.False(kmalloc_array(16, 16, GFP_KERNEL).IsNull);
            }
        }

        [Fact]
        public void SizeZeroGivesZeroSizePtr_AndFreesAreNoOps()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(0, GFP_KERNEL);
                Assert.Equal(ZERO_SIZE_PTR, p);
                Assert.Equal(0, ksize(p));
                kfree(p);
                kfree(NULL);
                Assert.Empty(m.DebugReports);
                Assert.Throws<KernelBugException>(() => p.AsSpan(1));
            }
        }

        [Fact]
        public void TooLargeGivesNullAndAWarningUnlessNowarn()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.True(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL).IsNull);
                Assert.Single(m.DebugReports);
                Assert.Contains("KMALLOC_MAX_SIZE", m.DebugReports[0].Message);
                Assert.True(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN).IsNull);
                Assert.Single(m.DebugReports);
                KernelPtr big = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL);
                Assert.False(big.IsNull);
                Assert.Equal(KMALLOC_MAX_SIZE, ksize(big));
                Assert.Equal(0UL, virt_to_phys(big).Value % (ulong)KMALLOC_MAX_SIZE);
            }
        }

        [Fact]
        public void NegativeSizesThrow()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => kmalloc(-1, GFP_KERNEL));
                Assert.Throws<ArgumentOutOfRangeException>(() => kcalloc(-1, 8, GFP_KERNEL));
                Assert.Throws<ArgumentOutOfRangeException>(() => krealloc(NULL, -5, GFP_KERNEL));
                Assert.Throws<ArgumentOutOfRangeException>(() => kmem_cache_create("x", -1, 0, 0));
            }
        }

        [Fact]
        public void DoubleFreeNamesAddressAndAllocationSite()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = AllocateForDoubleFree();
                kfree(p);
                KasanException ex = Assert.Throws<KasanException>(() => kfree(p));
                Assert.Contains("double-free", ex.Message);
                Assert.Contains(p.Address.ToString("x16"), ex.Message);
                Assert.Contains(nameof(AllocateForDoubleFree), ex.Message);

                Assert.Contains(nameof(DoubleFreeNamesAddressAndAllocationSite), ex.Message); // the free site
            }
        }

        private static KernelPtr AllocateForDoubleFree() => kmalloc(40, GFP_KERNEL);

        [Fact]
        public void AllocationSites_NameMemberFileAndLine_ByDefault()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null });
            using (m.Enter())
            {
                KernelPtr p = kmalloc(40, GFP_KERNEL); int allocatedOn = LineHere();
                kfree(p); int freedOn = LineHere();
                KasanException ex = Assert.Throws<KasanException>(() => kfree(p));
                Assert.Contains($"Allocated at: {nameof(AllocationSites_NameMemberFileAndLine_ByDefault)} (SlabTests.cs:{allocatedOn})", ex.Message);
                Assert.Contains($"Freed at: {nameof(AllocationSites_NameMemberFileAndLine_ByDefault)} (SlabTests.cs:{freedOn})", ex.Message);
            }

            Machine quiet = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, TrackAllocationSites = false });
            using (quiet.Enter())
            {
                KernelPtr p = kmalloc(8, GFP_KERNEL);
                kfree(p);
                Assert.Contains("<not tracked>", Assert.Throws<KasanException>(() => kfree(p)).Message);
            }
        }

        [Fact]
        public void AllocationSiteStacks_ListTheFramesThatLedToTheCall()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, AllocationSiteStacks = true });
            using (m.Enter())
            {
                KernelPtr p = AllocateForDoubleFree();
                kfree(p);
                string message = Assert.Throws<KasanException>(() => kfree(p)).Message;
                string allocated = message.Substring(message.IndexOf("Allocated at:", StringComparison.Ordinal));
                // The caller's own line, then the frames below it: the helper that allocated and this test, which called it.
                Assert.Contains($"Allocated at: {nameof(AllocateForDoubleFree)} (SlabTests.cs:", allocated);
                Assert.Contains($"\n    PackedAlloc.Runtime.Tests.SlabTests.{nameof(AllocateForDoubleFree)}", allocated);
                Assert.Contains($"\n    PackedAlloc.Runtime.Tests.SlabTests.{nameof(AllocationSiteStacks_ListTheFramesThatLedToTheCall)}", allocated);
            }

#pragma warning disable CS0618 // the earlier name still asks for the stacks
            Assert.True(new MachineOptions { AllocationSiteFileInfo = true }.AllocationSiteStacks);
#pragma warning restore CS0618
        }

        [Fact]
        public void AllocationSites_ThroughADelegate_AreFoundOnTheStack()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null });
            using (m.Enter())
            {
                Func<int, GfpFlags, KernelPtr> allocate = kmalloc;
                Action<KernelPtr> free = kfree;
                KernelPtr p = allocate(40, GFP_KERNEL);
                free(p);
                string message = Assert.Throws<KasanException>(() => kfree(p)).Message;
                Assert.Contains($"Allocated at: PackedAlloc.Runtime.Tests.SlabTests.{nameof(AllocationSites_ThroughADelegate_AreFoundOnTheStack)}", message);
                Assert.Contains($"Freed at: PackedAlloc.Runtime.Tests.SlabTests.{nameof(AllocationSites_ThroughADelegate_AreFoundOnTheStack)}", message);
            }
        }

        private static int LineHere([System.Runtime.CompilerServices.CallerLineNumber] int line = 0) => line;

        [Fact]
        public void InvalidFreesAreReported()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                KasanException inside = Assert.Throws<KasanException>(() => kfree(p + 8));
                Assert.Contains("invalid-free", inside.Message);
                Assert.Contains("8 bytes inside", inside.Message);
                Assert.Throws<KasanException>(() => kfree(new KernelPtr(0x1234)));
                Device dev = m.CreateDevice("d", coherent: false);
                KernelPtr coherent = dma_alloc_coherent(dev, 4096, out _, GFP_KERNEL);
                Assert.Contains("not slab memory", Assert.Throws<KasanException>(() => kfree(coherent)).Message);
                kfree(p); // the object is intact after the refused frees
            }
        }

        [Fact]
        public void LargeKmallocFreeAndDoubleFree()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(20000, GFP_KERNEL);
                Assert.Equal(32768, ksize(p));
                p.AsSpan(20000).Fill(1);
                Assert.Throws<KasanException>(() => p.AsSpan(20001));
                kfree(p);
                Assert.Contains("use-after-free", Assert.Throws<KasanException>(() => p.AsSpan(4)).Message);
                Assert.Contains("double-free", Assert.Throws<KasanException>(() => kfree(p)).Message);
            }
        }

        [Fact]
        public void KreallocKeepsContents()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(20, GFP_KERNEL | __GFP_PACKED);
                byte[] data = Pattern(20, 3);
                p.Write(data);
                KernelPtr same = krealloc(p, 30, GFP_KERNEL); // 32-byte bucket: in place
                Assert.Equal(p, same);
                Assert.Equal(data, same.ToArray(20));
                KernelPtr moved = krealloc(same, 300, GFP_KERNEL);
                Assert.NotEqual(p, moved);
                Assert.Equal(data, moved.ToArray(20));
                Assert.Throws<KasanException>(() => p.AsSpan(1)); // the old object was freed
                Assert.Equal(ZERO_SIZE_PTR, krealloc(moved, 0, GFP_KERNEL));
                Assert.False(krealloc(NULL, 10, GFP_KERNEL).IsNull);
            }
        }

        [Fact]
        public void KreallocShrinkInPlaceRepoisonsTail()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(100, GFP_KERNEL);
                Assert.Equal(p, krealloc(p, 50, GFP_KERNEL));
                Assert.Throws<KasanException>(() => p.AsSpan(51));
                Assert.Equal(50, p.AsSpan(50).Length);
            }
        }

        [Fact]
        public void KmemdupCopies()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr src = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                src.Write(Pattern(24, 9));
                KernelPtr dup = kmemdup(src, 24, GFP_KERNEL);
                Assert.Equal(Pattern(24, 9), dup.ToArray(24));
                Assert.Equal(0UL, dup.Address % 128); // a DMA-safe copy
                Assert.Equal(ZERO_SIZE_PTR, kmemdup(src, 0, GFP_KERNEL));
            }
        }

        [Fact]
        public void KmemCacheHonoursAlignAndHwcacheAlign()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KmemCache plain = kmem_cache_create("plain", 20, 0, 0)!;
                Assert.Equal(24, plain.Size);
                KmemCache aligned = kmem_cache_create("aligned", 20, 64, 0)!;
                Assert.Equal(64, aligned.Size);
                KmemCache hw = kmem_cache_create("hw", 20, 0, SLAB_HWCACHE_ALIGN)!;
                Assert.Equal(32, hw.Align);   // the line size halved while the object fits in half
                KmemCache hwBig = kmem_cache_create("hwbig", 100, 0, SLAB_HWCACHE_ALIGN)!;
                Assert.Equal(64, hwBig.Align);
                Assert.Equal(128, hwBig.Size);
                for (int i = 0; i < 10; i++)
                {
                    Assert.Equal(0UL, kmem_cache_alloc(aligned, GFP_KERNEL).Address % 64);
                    Assert.Equal(0UL, kmem_cache_alloc(hwBig, GFP_KERNEL).Address % 64);
                }
                KernelPtr p = kmem_cache_zalloc(plain, GFP_KERNEL);
                Assert.All(p.ToArray(20), b => Assert.Equal(0, b));
                Assert.Equal(1, plain.ActiveObjects);
                kmem_cache_free(plain, p);
                Assert.Equal(0, plain.ActiveObjects);
                kmem_cache_destroy(plain);
                Assert.True(plain.IsDestroyed);
                Assert.Throws<ArgumentOutOfRangeException>(() => kmem_cache_create("bad", 8, 3, 0));
                Assert.Null(kmem_cache_create("huge", KMALLOC_MAX_SIZE + 1, 0, 0));
            }
        }

        [Fact]
        public void KmemCacheDestroyWithObjectsIsReportedAndKept()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KmemCache c = kmem_cache_create("busy", 32, 0, 0)!;
                KernelPtr p = kmem_cache_alloc(c, GFP_KERNEL);
                kmem_cache_destroy(c);
                Assert.False(c.IsDestroyed);
                Assert.True(HasReport(m, "Slab cache still has objects"));
                kmem_cache_free(c, p);
                kmem_cache_destroy(c);
                Assert.True(c.IsDestroyed);
            }
        }

        [Fact]
        public void KmemCacheFreeToWrongCacheIsRefused()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KmemCache a = kmem_cache_create("a", 32, 0, 0)!;
                KmemCache b = kmem_cache_create("b", 32, 0, 0)!;
                KernelPtr p = kmem_cache_alloc(a, GFP_KERNEL);
                kmem_cache_free(b, p);
                Assert.True(HasReport(m, "Wrong slab cache. b but object is from a"));
                Assert.Equal(1, a.ActiveObjects);
            }
        }

        [Fact]
        public void GfpDmaZones()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.True(virt_to_phys(kmalloc(64, GFP_KERNEL)).Value >= 4UL << 30);
                Assert.True(virt_to_phys(kmalloc(64, GFP_KERNEL | GFP_DMA32)).Value < 4UL << 30);
                Assert.True(virt_to_phys(kmalloc(64, GFP_KERNEL | GFP_DMA)).Value < 16UL << 20);
                Assert.True(virt_to_phys(kmalloc(20000, GFP_KERNEL | GFP_DMA)).Value < 16UL << 20);
                KmemCache dmaCache = kmem_cache_create("dmac", 64, 0, SLAB_CACHE_DMA)!;
                Assert.True(virt_to_phys(kmem_cache_alloc(dmaCache, GFP_KERNEL)).Value < 16UL << 20);
            }
        }

        [Fact]
        public void SmallMachineFallsBackToLowerZones()
        {
            Machine m = Boot(memory: 256L << 20, swiotlb: 1L << 20);
            using (m.Enter())
            {
                ulong pa = virt_to_phys(kmalloc(64, GFP_KERNEL)).Value;
                Assert.InRange(pa, 16UL << 20, (256UL << 20) - 1);
            }
        }

        [Fact]
        public void SleepingAllocationInAtomicContextIsReported()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                var lock_ = new Spinlock();
                spin_lock(lock_);
                try
                {
                    Assert.False(kmalloc(32, GFP_ATOMIC).IsNull);
                    Assert.False(kmalloc(32, GFP_NOWAIT).IsNull);
                    Assert.Empty(m.DebugReports);
                    Assert.False(kmalloc(32, GFP_KERNEL).IsNull);
                }
                finally
                {
                    spin_unlock(lock_);
                }
                DebugReport r = Assert.Single(m.DebugReports);
                Assert.StartsWith("BUG: sleeping function called from invalid context", r.Message);
                Assert.Contains("in_atomic(): 1, irqs_disabled(): 0", r.Message);

                local_irq_disable();
                try { kzalloc(8, GFP_NOFS); }
                finally { local_irq_enable(); }
                Assert.Contains("irqs_disabled(): 1", m.DebugReports[1].Message);
            }
        }

        [Fact]
        public void PackedFlagIgnoredUnderKmallocBounceWithoutSwiotlb()
        {
            Machine m = Boot(swiotlb: 0, kmallocBounce: true);
            using (m.Enter())
            {
                Assert.Equal(128, ksize(kmalloc(24, GFP_KERNEL | __GFP_PACKED)));
                Assert.Equal(0UL, kmalloc(24, GFP_KERNEL | __GFP_PACKED).Address % 128);
            }
            Machine withTlb = Boot(kmallocBounce: true);
            using (withTlb.Enter()) Assert.Equal(32, ksize(kmalloc(24, GFP_KERNEL | __GFP_PACKED)));
        }
    }
}
