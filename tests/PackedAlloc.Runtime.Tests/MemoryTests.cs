using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PackedAlloc.Runtime;
using PackedAlloc.Runtime.Memory;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    public class MemoryTests
    {
        [Fact]
        public void PointerArithmeticAndBounds()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                Assert.False(p.IsNull);
                Assert.Equal(p.Address + 8, (p + 8).Address);
                Assert.Equal(p, (p + 8) - 8);
                Assert.Equal(16, (p + 8).AsSpan(16).Length);
                Assert.Contains("slab-out-of-bounds", Assert.Throws<KasanException>(() => (p + 8).AsSpan(17)).Message);
                Assert.Throws<KasanException>(() => p.AsSpan(25)); // within the 32-byte bucket, past the request
                Assert.Throws<ArgumentOutOfRangeException>(() => p.AsSpan(-1));
                Assert.Equal(0, p.AsSpan(0).Length);
            }
        }

        [Fact]
        public void UseAfterFreeIsDetected()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                kfree(p);
                KasanException ex = Assert.Throws<KasanException>(() => p.AsReadOnlySpan(4));
                Assert.Contains("slab-use-after-free", ex.Message);
                Assert.Contains("Read of size 4", ex.Message);
                Assert.Contains("Freed at:", ex.Message);
                Assert.Contains(m.DebugReports, r => r.Subsystem == "kasan");
            }
        }

        [Fact]
        public void NullAndWildAccessesFault()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.Contains("NULL pointer dereference", Assert.Throws<KernelBugException>(() => NULL.AsSpan(1)).Message);
                Assert.Throws<KernelBugException>(() => new KernelPtr(0x1000).AsSpan(1));
                KernelPtr wild = phys_to_virt(new PhysAddr(6UL << 30));
                Assert.Contains("wild-memory-access", Assert.Throws<KasanException>(() => wild.AsSpan(1)).Message);
            }
        }

        [Fact]
        public void VirtPhysRoundTrip()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(100, GFP_KERNEL);
                PhysAddr pa = virt_to_phys(p);
                Assert.Equal(p, phys_to_virt(pa));
                Assert.Equal(pa + 10, virt_to_phys(p + 10));
                Assert.Throws<ArgumentException>(() => virt_to_phys(NULL));
                Assert.Throws<ArgumentOutOfRangeException>(() => phys_to_virt(new PhysAddr(9UL << 30)));
            }
        }

        [Fact]
        public void MemcpyAndMemset()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr a = kmalloc(50, GFP_KERNEL);
                KernelPtr b = kmalloc(50, GFP_KERNEL | __GFP_PACKED);
                memset(a, 7, 50);
                Assert.All(a.ToArray(50), x => Assert.Equal(7, x));
                a.Write(Pattern(50, 1));
                memcpy(b, a, 50);
                Assert.Equal(Pattern(50, 1), b.ToArray(50));
                Assert.Throws<KasanException>(() => memcpy(b, a, 51));
                Assert.Throws<ArgumentOutOfRangeException>(() => memset(a, 0, -1));
            }
        }

        [Fact]
        public void MemoryIsSparse()
        {
            // The default 64 MiB swiotlb is reserved but costs no host memory until bounced through.
            Machine m = Machine.Boot();
            Assert.Equal(0, m.Memory.TouchedSections);
            using (m.Enter())
            {
                kmalloc(10, GFP_KERNEL).AsSpan(10).Fill(1);
                kmalloc(10, GFP_DMA).AsSpan(10).Fill(1);
            }
            Assert.Equal(2, m.Memory.TouchedSections); // of 2048 sections in 8 GiB
        }

        [Fact]
        public void CpuWritesStayInTheCacheUntilCleaned()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(128, GFP_KERNEL);
                p.Write(Pattern(128, 5));
                Assert.Equal(CacheLineState.Dirty, m.Cache.StateOf(p));
                var seen = new byte[128];
                dev.DmaRead(new DmaAddr(virt_to_phys(p).Value), seen);
                Assert.NotEqual(Pattern(128, 5), seen);       // the device sees RAM, not the cache
                m.Cache.WriteBackAll();
                Assert.Equal(CacheLineState.Clean, m.Cache.StateOf(p));
                dev.DmaRead(new DmaAddr(virt_to_phys(p).Value), seen);
                Assert.Equal(Pattern(128, 5), seen);
            }
        }

        [Fact]
        public void DeviceWritesAreHiddenByStaleLinesUntilInvalidated()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kzalloc(128, GFP_KERNEL);
                m.Cache.WriteBackAll();
                _ = p.AsReadOnlySpan(128).ToArray();              // line cached, clean
                dev.DmaWrite(new DmaAddr(virt_to_phys(p).Value), Pattern(128, 9));
                Assert.All(p.ToArray(128), b => Assert.Equal(0, b)); // stale cache
                m.Cache.Evict(p, 128);
                Assert.Equal(Pattern(128, 9), p.ToArray(128));
            }
        }

        [Fact]
        public void CoherentDeviceSnoops()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("c", coherent: true);
                KernelPtr p = kzalloc(128, GFP_KERNEL);
                p.Write(Pattern(128, 3));
                var seen = new byte[128];
                dev.DmaRead(new DmaAddr(virt_to_phys(p).Value), seen);
                Assert.Equal(Pattern(128, 3), seen);
                dev.DmaWrite(new DmaAddr(virt_to_phys(p).Value), Pattern(128, 4));
                Assert.Equal(Pattern(128, 4), p.ToArray(128));
                m.Cache.EvictAll();
                Assert.Equal(Pattern(128, 4), p.ToArray(128));
            }
        }

        [Fact]
        public void DeviceCannotReachBeyondItsMaskOrRam()
        {
            Machine m = Boot();
            Device dev = m.CreateDevice("d32", coherent: false, dmaMaskBits: 32);
            Assert.Throws<ArgumentOutOfRangeException>(() => dev.DmaWrite(new DmaAddr(5UL << 30), new byte[4]));
            Device dev64 = m.CreateDevice("d64", coherent: false);
            Assert.Throws<ArgumentOutOfRangeException>(() => dev64.DmaWrite(new DmaAddr(9UL << 30), new byte[4]));
        }

        [Fact]
        public void MachinesAreIsolated()
        {
            Machine m1 = Boot();
            Machine m2 = Boot();
            KernelPtr p1, p2;
            using (m1.Enter()) { p1 = kmalloc(32, GFP_KERNEL); p1.Write(Pattern(32, 1)); }
            using (m2.Enter()) { p2 = kmalloc(32, GFP_KERNEL); p2.Write(Pattern(32, 2)); }
            Assert.Equal(p1.Address, p2.Address);             // same layout...
            Assert.Equal(Pattern(32, 1), p1.ToArray(32));      // ...separate memory; pointers remember their machine
            Assert.Equal(Pattern(32, 2), p2.ToArray(32));
            using (m1.Enter()) kfree(p1);
            Assert.Throws<KasanException>(() => p1.AsSpan(1));
            Assert.Equal(Pattern(32, 2), p2.ToArray(32));
        }

        [Fact]
        public async Task CurrentFollowsEnterScopesAndAsyncFlow()
        {
            Machine m1 = Boot();
            Machine m2 = Boot();
            using (m1.Enter())
            {
                Assert.Same(m1, Machine.Current);
                using (m2.Enter()) Assert.Same(m2, Machine.Current);
                Assert.Same(m1, Machine.Current);
                await Task.Yield();
                Assert.Same(m1, Machine.Current);
                Assert.Same(m1, await Task.Run(() => Machine.Current));
            }
            using (m2.Enter()) Assert.Same(m2, Machine.Current);
        }

        [Fact]
        public void ConcurrentAllocationsNeverOverlap()
        {
            Machine m = Boot();
            const int threads = 4, per = 2000;
            var all = new KernelPtr[threads][];
            Parallel.For(0, threads, t =>
            {
                using (m.Enter())
                {
                    var mine = new KernelPtr[per];
                    for (int i = 0; i < per; i++)
                    {
                        mine[i] = kmalloc(8 + (i % 5) * 20, GFP_KERNEL | (i % 2 == 0 ? __GFP_PACKED : 0));
                        mine[i].Write(BitConverter.GetBytes((long)(t * per + i)));
                        if (i % 3 == 0) { kfree(mine[i]); mine[i] = NULL; }
                    }
                    all[t] = mine;
                }
            });
            var live = all.SelectMany(x => x).Where(p => !p.IsNull).ToArray();
            Assert.Equal(live.Length, live.Select(p => p.Address).Distinct().Count());
            foreach (var (t, i) in Enumerable.Range(0, threads).SelectMany(t => Enumerable.Range(0, per).Select(i => (t, i))))
                if (!all[t][i].IsNull) Assert.Equal((long)(t * per + i), BitConverter.ToInt64(all[t][i].ToArray(8)));
        }

        [Fact]
        public void BadOptionsAreRejected()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { CacheLineSize = 48 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { DmaMinAlign = 100 }));
            // ARCH_DMA_MINALIGN covers the largest cache line; below it, non-packed objects would share lines
            // and the "non-packed is DMA-safe" guarantee (and dma_kmalloc_needs_bounce) would be false.
            Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { CacheLineSize = 128, DmaMinAlign = 64 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { MemoryBytes = 1000 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { SwiotlbBytes = -1 }));
            Assert.Throws<ArgumentNullException>(() => Boot().CreateDevice(null!, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => Boot().CreateDevice("x", false, 70));
        }
    }

    public class ContextTests
    {
        [Fact]
        public void SpinlocksMakeTheContextAtomic()
        {
            var l = new Spinlock();
            Assert.False(in_atomic());
            spin_lock(l);
            Assert.True(in_atomic());
            Assert.True(l.IsLocked);
            spin_unlock(l);
            Assert.False(in_atomic());
            spin_lock_irqsave(l, out ulong flags);
            Assert.True(irqs_disabled());
            spin_unlock_irqrestore(l, flags);
            Assert.False(irqs_disabled());
            local_irq_disable();
            spin_lock_irqsave(l, out flags);
            spin_unlock_irqrestore(l, flags);
            Assert.True(irqs_disabled()); // restored to "disabled"
            local_irq_enable();
        }

        [Fact]
        public void SpinlockMisuseIsABug()
        {
            var l = new Spinlock();
            Assert.Contains("already unlocked", Assert.Throws<KernelBugException>(() => spin_unlock(l)).Message);
            spin_lock(l);
            try { Assert.Contains("recursion", Assert.Throws<KernelBugException>(() => spin_lock(l)).Message); }
            finally { spin_unlock(l); }
            Assert.Throws<ArgumentNullException>(() => spin_lock(null!));
        }

        [Fact]
        public void SpinlockExcludes()
        {
            var l = new Spinlock();
            long counter = 0;
            Parallel.For(0, 4, _ =>
            {
                for (int i = 0; i < 10000; i++)
                {
                    spin_lock(l);
                    long v = counter;
                    Thread.SpinWait(1);
                    counter = v + 1;
                    spin_unlock(l);
                }
            });
            Assert.Equal(40000, counter);
        }
    }
}
