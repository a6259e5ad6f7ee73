using System;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// Machines lay memory out deterministically, so two machines hand out the same addresses. A pointer remembers
    /// its machine: freeing or resizing it must act on that machine, never on the current one's object at the same
    /// address (that would silently corrupt an innocent machine).
    /// </summary>
    public class CrossMachineTests
    {
        private static (Machine A, Machine B, KernelPtr PA, KernelPtr PB) TwoTwins(int size = 64)
        {
            Machine a = Boot(), b = Boot();
            KernelPtr pa, pb;
            using (a.Enter()) pa = kmalloc(size, GFP_KERNEL);
            using (b.Enter()) pb = kmalloc(size, GFP_KERNEL);
            Assert.Equal(pa.Address, pb.Address); // same layout: the trap this test is about
            return (a, b, pa, pb);
        }

        [Fact]
        public void KfreeOfAForeignPointerFreesItOnItsOwnMachine()
        {
            var (a, b, pa, pb) = TwoTwins();
            using (a.Enter())
            {
                kfree(pb);                      // b's object, freed while a is current
                pa.Write(new byte[] { 1, 2, 3 }); // a's object is still alive
                Assert.Equal(128, ksize(pa)); // DMA-aligned class
            }
            Assert.Throws<KasanException>(() => pb.ToArray(1)); // b's object really went
        }

        [Fact]
        public void KsizeAndKreallocOfAForeignPointerUseItsOwnMachine()
        {
            var (a, b, pa, pb) = TwoTwins(100);
            using (b.Enter()) kfree(pb);
            using (a.Enter())
            {
                // b's object is freed: ksize reports use-after-free rather than answering for a's live object.
                Assert.Throws<KasanException>(() => ksize(pb));
                Assert.Throws<KasanException>(() => krealloc(pb, 50, GFP_KERNEL));
                pa.Write(new byte[100]);
            }
            KernelPtr qb;
            using (b.Enter()) qb = kmalloc(24, GFP_KERNEL);
            qb.Write(new byte[] { 9, 8, 7 });
            using (a.Enter())
            {
                KernelPtr grown = krealloc(qb, 5000, GFP_KERNEL);
                Assert.Equal(new byte[] { 9, 8, 7 }, grown.ToArray(3));
                Assert.Same(b, grown.OwnerMachine);
            }
        }

        [Fact]
        public void ForeignPointersAreRefusedByMachineBoundApis()
        {
            var (a, b, pa, pb) = TwoTwins();
            KmemCache? cache;
            using (a.Enter()) cache = kmem_cache_create("thing", 64, 0, 0);
            Assert.NotNull(cache);
            KernelPtr ob;
            using (b.Enter())
            {
                KmemCache? cb = kmem_cache_create("thing", 64, 0, 0);
                ob = kmem_cache_alloc(cb!, GFP_KERNEL);
            }
            KernelPtr oa;
            using (a.Enter()) oa = kmem_cache_alloc(cache!, GFP_KERNEL);
            Assert.Equal(oa.Address, ob.Address);
            Assert.Throws<ArgumentException>(() => kmem_cache_free(cache!, ob));
            oa.Write(new byte[] { 1 }); // a's object untouched

            Device da = a.CreateDevice("d", coherent: false);
            Device db = b.CreateDevice("d", coherent: false);
            KernelPtr ca = dma_alloc_coherent(da, 4096, out DmaAddr ha, GFP_KERNEL);
            KernelPtr cb2 = dma_alloc_coherent(db, 4096, out DmaAddr hb, GFP_KERNEL);
            Assert.Equal(ca.Address, cb2.Address);
            Assert.Throws<ArgumentException>(() => dma_free_coherent(da, 4096, cb2, ha));
            ca.Write(new byte[] { 1 }); // still allocated on a
            dma_free_coherent(da, 4096, ca, ha);
            dma_free_coherent(db, 4096, cb2, hb);
            Assert.Empty(a.DebugReports);
        }
    }
}
