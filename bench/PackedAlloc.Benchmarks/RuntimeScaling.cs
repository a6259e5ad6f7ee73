using System;
using System.Diagnostics;
using System.Threading;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Benchmarks
{
    /// <summary>
    /// <c>-- --runtime-scaling</c>: map+check+unmap throughput on one thread against two threads on two devices
    /// (issue 15: two threads should reach at least 1.6× one). A timed harness rather than BenchmarkDotNet, which
    /// runs one thread; each figure is the best of five runs, and the ratio compares runs made in the same process.
    /// </summary>
    internal static class RuntimeScaling
    {
        private const int PairsPerThread = 200_000;

        // Untimed pairs first, as BenchmarkDotNet's warm-up: the JIT's tiers, and the emulated RAM behind the
        // swiotlb slots a thread's area cycles through (made on first touch, 8 MiB per 4 MiB section: a cost of the
        // machine's first minutes, not of a mapping).
        private const int WarmupPairsPerThread = 40_000;

        public static void Run()
        {
            Console.WriteLine("mapping                      1 thread Mpairs/s   2 threads Mpairs/s   ratio");
            foreach (var (name, size, bounce, debug) in new[] { ("direct, non-coherent, 256 B", 256, false, true), ("swiotlb, 4 KiB", 4096, true, true), ("direct, no dma-debug", 256, false, false) })
            {
                double one = Best(() => Throughput(1, size, bounce, debug));
                double two = Best(() => Throughput(2, size, bounce, debug));
                Console.WriteLine($"{name,-28} {one,18:F2} {two,20:F2} {two / one,7:F2}");
            }
        }

        private static double Best(Func<double> run)
        {
            double best = 0;
            for (int i = 0; i < 5; i++) best = Math.Max(best, run());
            return best;
        }

        /// <summary>Million map+check+unmap pairs per second over <paramref name="threads"/> threads, each on a device of its own.</summary>
        private static double Throughput(int threads, int size, bool bounce, bool debug)
        {
            var machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, DmaDebug = debug });
            var workers = new Thread[threads];
            using var start = new Barrier(threads + 1);
            for (int t = 0; t < threads; t++)
            {
                var dev = machine.CreateDevice("dev" + t, coherent: false);
                workers[t] = new Thread(() =>
                {
                    using (machine.Enter())
                    {
                        KernelPtr buffer = kmalloc(size, GFP_KERNEL);
                        Pairs(dev, buffer, size, bounce, WarmupPairsPerThread);
                        start.SignalAndWait();
                        Pairs(dev, buffer, size, bounce, PairsPerThread);
                        kfree(buffer);
                    }
                });
                workers[t].Start();
            }

            start.SignalAndWait();
            var watch = Stopwatch.StartNew();
            foreach (var worker in workers) worker.Join();
            return threads * (double)PairsPerThread / watch.Elapsed.TotalSeconds / 1e6;
        }

        private static void Pairs(Device dev, KernelPtr buffer, int size, bool bounce, int count)
        {
            for (int i = 0; i < count; i++)
            {
                var addr = bounce
                    ? swiotlb_map(dev, virt_to_phys(buffer), size, DMA_BIDIRECTIONAL, DmaAttrs.None)
                    : dma_map_single(dev, buffer, size, DMA_BIDIRECTIONAL);
                if (dma_mapping_error(dev, addr)) throw new InvalidOperationException("mapping failed");
                dma_unmap_single(dev, addr, size, DMA_BIDIRECTIONAL);
            }
        }
    }
}
