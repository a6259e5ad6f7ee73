using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The bounce designs of the <c>__GFP_PACKED</c> thread (issue 12), each held to what the swiotlb guarantees: bytes
    /// round-trip in every direction, no bounce buffer serves two live mappings, everything is back at the end, and a
    /// packed neighbour's CPU write in the same cache line survives the DMA.
    /// </summary>
    public class BounceDesignTests
    {
        /// <summary>The designs that bounce (the swiotlb one with <see cref="MachineOptions.KmallocBounce"/>).</summary>
        public static TheoryData<BounceDesign> Bouncing => new TheoryData<BounceDesign> { BounceDesign.Swiotlb, BounceDesign.CoherentPool, BounceDesign.ObjectPool };

        private static Machine BootWith(BounceDesign design, long poolBytes = 64L << 10, bool dmaDebug = true) => Machine.Boot(new MachineOptions
        {
            BounceDesign = design,
            KmallocBounce = design == BounceDesign.Swiotlb,
            BouncePoolBytes = poolBytes,
            DmaDebug = dmaDebug,
            Log = TextWriter.Null,
        });

        private static readonly DmaDirection[] Directions = { DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };

        [Theory]
        [MemberData(nameof(Bouncing))]
        public void BytesRoundTrip_AndThePackedNeighbourSurvives(BounceDesign design)
        {
            Machine m = BootWith(design);
            Device dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                foreach (int size in BouncingSizes.Concat(new[] { 100, 200, 1000, 3000 }))
                    foreach (DmaDirection dir in Directions)
                        TransferAndCheck(m, dev, size, dir, seed: (byte)(size + (int)dir));
                // Two directions of eight sizes bounce; TO_DEVICE and the DMA-aligned classes map in place.
                Assert.Equal(2 * BouncingSizes.Length, m.BounceStatistics.Bounces);
                AssertAllBack(m);
                Assert.Empty(m.DebugReports);
            }
        }

        [Theory]
        [MemberData(nameof(Bouncing))]
        public void Syncs_MoveTheBytesBothWays(BounceDesign design)
        {
            Machine m = BootWith(design);
            Device dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                KernelPtr buf = kmalloc(40, GFP_KERNEL | __GFP_PACKED);
                buf.Write(Pattern(40, 1));
                DmaAddr addr = dma_map_single(dev, buf, 40, DMA_BIDIRECTIONAL);
                Assert.False(dma_mapping_error(dev, addr));
                Assert.NotEqual(virt_to_phys(buf).Value, addr.Value); // it bounced
                dev.DmaWrite(addr, Pattern(40, 2));
                dma_sync_single_for_cpu(dev, addr, 40, DMA_BIDIRECTIONAL);
                Assert.Equal(Pattern(40, 2), buf.ToArray(40));
                buf.Write(Pattern(40, 3));
                dma_sync_single_for_device(dev, addr, 40, DMA_BIDIRECTIONAL);
                var seen = new byte[40];
                dev.DmaRead(addr, seen);
                Assert.Equal(Pattern(40, 3), seen);
                dma_unmap_single(dev, addr, 40, DMA_BIDIRECTIONAL);
                kfree(buf);
                AssertAllBack(m);
                Assert.Empty(m.DebugReports);
            }
        }

        /// <summary>
        /// Four threads map and unmap at once, some in atomic context, from a pool small enough that the worker must
        /// grow or refill it meanwhile: every transfer keeps its bytes, no two live mappings share bounce memory, and
        /// everything is back at the end.
        /// </summary>
        [Theory]
        [MemberData(nameof(Bouncing))]
        public async Task Stress_ManyThreadsWhileTheWorkerGrowsThePool(BounceDesign design)
        {
            Machine m = BootWith(design, poolBytes: 4096);
            var live = new List<(ulong Start, ulong End)>();
            var overlaps = new List<string>();
            int rounds = Setting("PACKEDALLOC_BOUNCE_STRESS_ROUNDS", 300);
            var workers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                Device dev = m.CreateDevice($"dev{t}", coherent: false);
                var rng = new Random(t);
                var spin = new Spinlock();
                // Transfers in flight per thread, as a driver's rx ring keeps them.
                var inFlight = new Queue<(KernelPtr Buf, DmaAddr Addr, int Size, DmaDirection Dir, byte[] Cpu, byte[] Seen, byte[] Device)>();
                using (m.Enter())
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        int size = rng.Next(10) < 7 ? BouncingSizes[rng.Next(BouncingSizes.Length)] : rng.Next(1, 1500);
                        DmaDirection dir = Directions[rng.Next(3)];
                        bool atomic = rng.Next(3) == 0;
                        KernelPtr buf = kmalloc(size, (atomic ? GFP_ATOMIC : GFP_KERNEL) | __GFP_PACKED);
                        byte[] cpu = Pattern(size, (byte)i);
                        buf.Write(cpu);
                        if (atomic) spin_lock(spin);
                        DmaAddr addr = dma_map_single(dev, buf, size, dir);
                        if (atomic) spin_unlock(spin);
                        if (dma_mapping_error(dev, addr))
                        {
                            kfree(buf); // a failure is counted, not a defect
                        }
                        else
                        {
                            lock (live)
                            {
                                if (live.Any(r => r.Start < addr.Value + (ulong)size && addr.Value < r.End)) overlaps.Add($"0x{addr.Value:x}+{size}");
                                live.Add((addr.Value, addr.Value + (ulong)size));
                            }
                            var seen = new byte[size];
                            dev.DmaRead(addr, seen);
                            byte[] device = Pattern(size, (byte)(i + 101));
                            dev.DmaWrite(addr, device);
                            inFlight.Enqueue((buf, addr, size, dir, cpu, seen, device));
                        }
                        // A burst first (eighty in flight: more than the pool holds), then a ring of up to eight.
                        while (inFlight.Count > 0 && ((i >= 80 && inFlight.Count > rng.Next(0, 9)) || i == rounds - 1))
                        {
                            var x = inFlight.Dequeue();
                            lock (live) live.Remove((x.Addr.Value, x.Addr.Value + (ulong)x.Size));
                            dma_unmap_single(dev, x.Addr, x.Size, x.Dir);
                            byte[] back = x.Buf.ToArray(x.Size);
                            kfree(x.Buf);
                            if (x.Dir != DMA_FROM_DEVICE) Assert.Equal(x.Cpu, x.Seen);
                            Assert.Equal(x.Dir == DMA_TO_DEVICE ? x.Cpu : x.Device, back);
                        }
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
            m.FlushWork();
            Assert.Empty(overlaps);
            AssertAllBack(m);
            BounceStatistics stats = m.BounceStatistics;
            Assert.True(stats.Bounces > 0);
            if (design != BounceDesign.Swiotlb) Assert.True(stats.Growths > 0, "the worker never grew or refilled the pool");
            Assert.DoesNotContain(m.DebugReports, r => r.Subsystem != "dma-bounce");
        }

        /// <summary>
        /// Sizes whose kmalloc class is not a multiple of ARCH_DMA_MINALIGN (128 here): the ones that bounce. A 100-byte
        /// buffer is a kmalloc-128 object, DMA-aligned even when packed, and maps in place.
        /// </summary>
        private static readonly int[] BouncingSizes = { 1, 8, 24, 40, 64, 96, 150, 192 };

        [Fact]
        public void CoherentPool_FullInAtomicContext_FailsTheMapping_AndGrowsInProcessContext()
        {
            Machine m = BootWith(BounceDesign.CoherentPool, poolBytes: 4096);
            Device dev = m.CreateDevice("dev", coherent: false);
            var spin = new Spinlock();
            var held = new List<(KernelPtr Buf, DmaAddr Addr)>();
            using (m.Enter())
            {
                // 4 KiB of 128-byte granules: 32 buffers of 64 bytes fill it. The worker is held back, as a busy
                // system's may be, so the pool stays full while the atomic caller maps.
                DmaAddr failed;
                using (m.Work.Hold())
                {
                    spin_lock(spin);
                    while (true)
                    {
                        KernelPtr b = kmalloc(64, GFP_ATOMIC | __GFP_PACKED);
                        DmaAddr a = dma_map_single(dev, b, 64, DMA_FROM_DEVICE);
                        if (dma_mapping_error(dev, a)) { failed = a; kfree(b); break; }
                        held.Add((b, a));
                        Assert.True(held.Count <= 32, "more bounces than the pool holds");
                    }
                    spin_unlock(spin);
                }
                Assert.Equal(32, held.Count);
                Assert.Equal(DMA_MAPPING_ERROR, failed);
                Assert.Equal(1, m.BounceStatistics.MappingFailures);
                Assert.Contains(m.DebugReports, r => r.Message.Contains("coherent bounce pool exhausted") && r.Message.Contains("atomic context"));
                m.FlushWork(); // the worker, scheduled at the threshold, doubled the pool
                Assert.Equal(8192, m.BounceStatistics.ReservedBytes);
                // In process context a pool without room grows at once.
                m.ClearDebugReports();
                using (m.Work.Hold())
                {
                    for (int i = 0; i < 64; i++)
                    {
                        KernelPtr b = kmalloc(64, GFP_KERNEL | __GFP_PACKED);
                        DmaAddr a = dma_map_single(dev, b, 64, DMA_FROM_DEVICE);
                        Assert.False(dma_mapping_error(dev, a));
                        held.Add((b, a));
                    }
                }
                Assert.Equal(1, m.BounceStatistics.MappingFailures);
                m.FlushWork();
                long grown = m.BounceStatistics.ReservedBytes;
                Assert.True(grown >= 96 * 128, $"{grown} bytes reserved for 96 bounces of 128");
                foreach (var (b, a) in held)
                {
                    dma_unmap_single(dev, a, 64, DMA_FROM_DEVICE);
                    kfree(b);
                }
                m.FlushWork();
                Assert.Equal(grown, m.BounceStatistics.ReservedBytes); // it never shrinks
                AssertAllBack(m);
                Assert.Empty(m.DebugReports);
            }
        }

        /// <summary>
        /// A device that does not reach all of ZONE_DMA32 (24-bit mask, a ZONE_DMA buffer) cannot use the pool's chunks:
        /// its mapping fails in process context too, and the pool is not doubled for it, mapping after mapping.
        /// </summary>
        [Fact]
        public void CoherentPool_OutOfANarrowDevicesReach_FailsWithoutGrowing()
        {
            Machine m = Machine.Boot(new MachineOptions { BounceDesign = BounceDesign.CoherentPool, BouncePoolBytes = 4096, SwiotlbBytes = 0, Log = TextWriter.Null });
            Device dev = m.CreateDevice("isa0", coherent: false, dmaMaskBits: 24);
            using (m.Enter())
            {
                for (int i = 0; i < 8; i++)
                {
                    KernelPtr buf = kmalloc(24, GFP_KERNEL | GFP_DMA | __GFP_PACKED);
                    Assert.False(buf.IsNull);
                    Assert.True(dma_mapping_error(dev, dma_map_single(dev, buf, 24, DMA_FROM_DEVICE)));
                    kfree(buf);
                }
                m.FlushWork();
                Assert.Equal(8, m.BounceStatistics.MappingFailures);
                Assert.True(m.BounceStatistics.ReservedBytes <= 8192, $"the pool grew to {m.BounceStatistics.ReservedBytes} bytes for mappings it could never serve");
            }
        }

        [Fact]
        public void ObjectPool_EmptyReserve_FallsBackToGfpAtomic_AndCountsIt()
        {
            Machine m = BootWith(BounceDesign.ObjectPool, poolBytes: 4096);
            Device dev = m.CreateDevice("dev", coherent: false);
            var spin = new Spinlock();
            using (m.Enter())
            {
                var held = new List<(KernelPtr, DmaAddr)>();
                spin_lock(spin);
                for (int i = 0; i < 50; i++)
                {
                    KernelPtr b = kmalloc(64, GFP_ATOMIC | __GFP_PACKED);
                    DmaAddr a = dma_map_single(dev, b, 64, DMA_BIDIRECTIONAL);
                    Assert.False(dma_mapping_error(dev, a));
                    held.Add((b, a));
                }
                spin_unlock(spin);
                Assert.True(m.BounceStatistics.AtomicFallbacks > 0);
                Assert.Equal(0, m.BounceStatistics.MappingFailures);
                foreach (var (b, a) in held)
                {
                    dma_unmap_single(dev, a, 64, DMA_BIDIRECTIONAL);
                    kfree(b);
                }
                m.FlushWork();
                AssertAllBack(m);
                Assert.Empty(m.DebugReports); // GFP_ATOMIC under a spinlock is allowed
            }
        }

        /// <summary>
        /// Unmaps find the pool a bounced address came from: each design's own addresses are given back, and an
        /// address of none of them — inside the coherent pool but not mapped, a reserve object never handed out, plain
        /// RAM — is reported by dma-debug and frees nothing.
        /// </summary>
        [Theory]
        [MemberData(nameof(Bouncing))]
        public void Unmap_OfAnAddressNoMappingReturned_IsReported_AndFreesNothing(BounceDesign design)
        {
            Machine m = BootWith(design);
            Device dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                KernelPtr buf = kmalloc(48, GFP_KERNEL | __GFP_PACKED);
                DmaAddr addr = dma_map_single(dev, buf, 48, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, addr));
                BounceStatistics before = m.BounceStatistics;
                // Next to the live bounce buffer (inside its pool, a granule or slot further on), then plain RAM.
                ulong step = design == BounceDesign.Swiotlb ? 2048UL : (ulong)m.Options.DmaMinAlign;
                foreach (ulong bogus in new[] { addr.Value + step * 4, 0x4000_0000UL })
                {
                    m.ClearDebugReports();
                    dma_unmap_single(dev, new DmaAddr(bogus), 48, DMA_FROM_DEVICE);
                    Assert.Contains(m.DebugReports, r => r.Message.Contains("device driver tries to free DMA memory it has not allocated"));
                }
                Assert.Equal(before.InUseBytes, m.BounceStatistics.InUseBytes);
                Assert.Equal(before.ReservedBytes, m.BounceStatistics.ReservedBytes);
                Assert.Empty(m.Bounce.Validate());
                // The real one still comes back whole.
                dev.DmaWrite(addr, Pattern(48, 9));
                m.ClearDebugReports();
                dma_unmap_single(dev, addr, 48, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(48, 9), buf.ToArray(48));
                AssertAllBack(m);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void PackedDisabled_HandsOutAlignedObjects_AndBouncesNothing()
        {
            Machine m = BootWith(BounceDesign.PackedDisabled);
            Device dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                Assert.Equal(0UL, buf.Address % (ulong)m.Options.DmaMinAlign);
                TransferAndCheck(m, dev, 24, DMA_FROM_DEVICE, seed: 5);
                Assert.Equal(0, m.BounceStatistics.Bounces);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void TheDefault_IsTheSwiotlbDesign_AndChangesNothing()
        {
            var options = new MachineOptions();
            Assert.Equal(BounceDesign.Swiotlb, options.BounceDesign);
            Machine m = Machine.Boot(new MachineOptions { Log = TextWriter.Null });
            Device dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                // Without KmallocBounce a packed buffer is mapped in place, as before.
                KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                DmaAddr addr = dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
                Assert.Equal(virt_to_phys(buf).Value, addr.Value);
                dma_unmap_single(dev, addr, 24, DMA_FROM_DEVICE);
                Assert.Equal(0, m.BounceStatistics.Bounces);
            }
        }

        /// <summary>
        /// One transfer of a packed buffer whose cache line the CPU shares with a neighbour object it writes during the
        /// DMA: the device reads what the CPU wrote (TO_DEVICE, BIDIRECTIONAL), the CPU reads what the device wrote
        /// (FROM_DEVICE, BIDIRECTIONAL), and the neighbour keeps the CPU's write.
        /// </summary>
        private static void TransferAndCheck(Machine m, Device dev, int size, DmaDirection dir, byte seed)
        {
            KernelPtr buf = kmalloc(size, GFP_KERNEL | __GFP_PACKED);
            KernelPtr neighbour = kmalloc(8, GFP_KERNEL | __GFP_PACKED);
            byte[] cpu = Pattern(size, seed);
            buf.Write(cpu);
            DmaAddr addr = dma_map_single(dev, buf, size, dir);
            Assert.False(dma_mapping_error(dev, addr));
            neighbour.Write(Pattern(8, 77));
            var seen = new byte[size];
            dev.DmaRead(addr, seen);
            byte[] device = Pattern(size, (byte)(seed + 50));
            if (dir != DMA_TO_DEVICE) dev.DmaWrite(addr, device);
            m.Cache.EvictAll(); // the hardware may write any dirty line back at any time
            dma_unmap_single(dev, addr, size, dir);
            if (dir != DMA_FROM_DEVICE) Assert.Equal(cpu, seen);
            Assert.Equal(dir == DMA_TO_DEVICE ? cpu : device, buf.ToArray(size));
            Assert.Equal(Pattern(8, 77), neighbour.ToArray(8));
            kfree(neighbour);
            kfree(buf);
        }

        private static void AssertAllBack(Machine m)
        {
            Assert.Empty(m.Bounce.Validate());
            Assert.Equal(0, m.BounceStatistics.InUseBytes);
            Assert.Equal(0, m.Debug.Count);
        }
    }
}
