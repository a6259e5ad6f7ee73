using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using PackedAlloc.Runtime;
using Xunit.Abstractions;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// A bounded soak (issue 13): several threads on one machine, each doing a fixed number of transfers on devices
    /// coherent and not: allocate (packed or not, any size), write from the CPU, map the way a careful driver does
    /// (bounce through the swiotlb exactly when <c>dma_kmalloc_needs_bounce</c> says so), sync, let the device read
    /// and write, unmap, check the bytes from the CPU, free. Other threads' packed objects share cache lines with each
    /// buffer while its device writes, which is where a wrong bounce decision would lose data. The machine bounces
    /// small kmalloc buffers as Linux 6.5+ can (see the comment at the boot). At the end: every
    /// transfer's bytes were right, dma-debug reported nothing and tracks no mapping, no swiotlb slot is in use, and
    /// the slab holds no object the soak allocated. The size is fixed (threads × transfers), never a wall-clock
    /// time. CI runs a small one; the large one is a command:
    /// <c>PACKEDALLOC_SOAK_TRANSFERS=250000 PACKEDALLOC_SOAK_THREADS=8 dotnet test tests/PackedAlloc.Runtime.Tests --filter SoakTests</c>.
    /// </summary>
    public class SoakTests
    {
        private static readonly DmaDirection[] Directions = { DmaDirection.DMA_TO_DEVICE, DmaDirection.DMA_FROM_DEVICE, DmaDirection.DMA_BIDIRECTIONAL };

        private readonly ITestOutputHelper _output;

        public SoakTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void ThreadsOnSeveralDevices_BytesIntact_NothingLeaked_DmaDebugClean()
        {
            int threads = Setting("PACKEDALLOC_SOAK_THREADS", 4);
            int transfers = Setting("PACKEDALLOC_SOAK_TRANSFERS", 1500);
            int seed = Setting("PACKEDALLOC_SOAK_SEED", 20261202);
            // Booted as Linux 6.5+ with kmalloc bouncing (CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC), the configuration packed
            // kmalloc is for: there dma-debug does not report two mappings sharing a cache line while the swiotlb is
            // active. Without it, two packed buffers mapped at once on a coherent device share a line and dma-debug
            // reports "cacheline tracking EEXIST", as the kernel does (the first run of this soak showed it).
            Machine m = Boot(swiotlb: 32L << 20, kmallocBounce: true);
            Device[] devices;
            int liveBefore;
            using (m.Enter())
            {
                devices = new[]
                {
                    m.CreateDevice("coherent0", coherent: true),
                    m.CreateDevice("coherent1", coherent: true),
                    m.CreateDevice("noncoherent0", coherent: false),
                    m.CreateDevice("noncoherent1", coherent: false),
                };
                liveBefore = LiveObjects(m);
            }

            var failures = new ConcurrentQueue<string>();
            var counts = new Counts();
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                try
                {
                    using (m.Enter())
                    {
                        Run(devices, new Random(seed + t), transfers, counts);
                    }
                }
                catch (Exception exception)
                {
                    failures.Enqueue($"thread {t} (seed {seed + t}): {exception}");
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());

            _output.WriteLine($"{threads} threads x {transfers} transfers: {counts}");
            Assert.True(failures.IsEmpty, string.Join("\n", failures));
            Assert.Equal(threads * transfers, counts.Transfers);
            Assert.True(counts.Bounced > 0 && counts.Direct > 0, "the soak must take both paths: " + counts);
            Assert.True(m.DebugReports.Count == 0, string.Join("\n", m.DebugReports.Take(5).Select(r => r.Message)));
            Assert.Equal(0, m.Debug.Count);
            Assert.Equal(0, m.Swiotlb.UsedSlots);
            Assert.Equal(liveBefore, LiveObjects(m));
        }

        private static void Run(Device[] devices, Random random, int transfers, Counts counts)
        {
            for (int i = 0; i < transfers; i++)
            {
                var dev = devices[random.Next(devices.Length)];
                var dir = Directions[random.Next(Directions.Length)];
                bool packed = random.Next(2) == 0;
                int size = random.Next(4) == 0 ? random.Next(1, 5000) : random.Next(1, 200);
                var buffer = kmalloc(size, packed ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
                var cpuData = Pattern(size, (byte)random.Next(256));
                buffer.Write(cpuData);

                bool bounce = dma_kmalloc_needs_bounce(dev, size, dir);
                var addr = bounce ? swiotlb_map(dev, virt_to_phys(buffer), size, dir, 0) : dma_map_single(dev, buffer, size, dir);
                if (dma_mapping_error(dev, addr))
                {
                    throw new InvalidOperationException($"mapping {size} bytes {dir} on {dev.Name} failed");
                }

                if (random.Next(4) == 0)
                {
                    dma_sync_single_for_cpu(dev, addr, size, dir);
                    dma_sync_single_for_device(dev, addr, size, dir);
                }

                var expected = cpuData;
                if (dir != DmaDirection.DMA_FROM_DEVICE)
                {
                    var seen = new byte[size];
                    dev.DmaRead(addr, seen);
                    Check(seen, cpuData, $"the device read other bytes than the CPU wrote ({size} bytes {dir} on {dev.Name}, bounce {bounce})");
                }

                if (dir != DmaDirection.DMA_TO_DEVICE)
                {
                    expected = Pattern(size, (byte)random.Next(256));
                    dev.DmaWrite(addr, expected);
                }

                dma_unmap_single(dev, addr, size, dir);
                Check(buffer.ToArray(size), expected, $"the CPU sees other bytes than it should after the unmap ({size} bytes {dir} on {dev.Name}, bounce {bounce})");
                kfree(buffer);
                counts.Add(bounce);
            }
        }

        private static void Check(byte[] actual, byte[] expected, string what)
        {
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException(what);
            }
        }

        private static int LiveObjects(Machine m) => m.Slab.Caches.Sum(c => c.ActiveObjects);

        private sealed class Counts
        {
            private int _transfers;
            private int _bounced;

            public int Transfers => Volatile.Read(ref _transfers);

            public int Bounced => Volatile.Read(ref _bounced);

            public int Direct => Transfers - Bounced;

            public void Add(bool bounced)
            {
                Interlocked.Increment(ref _transfers);
                if (bounced)
                {
                    Interlocked.Increment(ref _bounced);
                }
            }

            public override string ToString() => $"{Transfers} transfers, {Bounced} bounced through the swiotlb, {Direct} mapped directly";
        }
    }
}
