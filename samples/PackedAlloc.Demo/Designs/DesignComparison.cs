using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PackedAlloc.Runtime;

namespace PackedAlloc.Demo.Designs
{
    /// <summary>
    /// <c>dotnet run --project samples/PackedAlloc.Demo -- designs [--quick] [--chart PATH]</c>: the same workload on one
    /// machine per bounce design, a table of what each cost, and a chart of bounce memory over the run.
    /// </summary>
    public static class DesignComparison
    {
        /// <summary>A design as the comparison boots it.</summary>
        /// <param name="Name">Its row in the table.</param>
        /// <param name="Options">The machine it runs on.</param>
        /// <param name="Buggy">Whether it is the baseline that lets packed buffers share lines (corruption expected).</param>
        public sealed record Candidate(string Name, MachineOptions Options, bool Buggy);

        public const string DefaultChart = "docs/images/bounce-designs.png";

        /// <summary>Where the pools start: small, as on a device that cannot spare memory, so the bursts make them grow.</summary>
        public const long PoolStart = 8L << 10;

        /// <summary>
        /// The designs side by side. Only the swiotlb design has a swiotlb (the kernel's default 64 MiB): the others
        /// exist for machines that cannot spare one, and their pools start at <see cref="PoolStart"/>.
        /// </summary>
        public static IReadOnlyList<Candidate> Candidates() => new[]
        {
            new Candidate("no bounce (buggy baseline)", Options(BounceDesign.Swiotlb, kmallocBounce: false, swiotlb: 0), Buggy: true),
            new Candidate("packed disabled", Options(BounceDesign.PackedDisabled, kmallocBounce: false, swiotlb: 0), Buggy: false),
            new Candidate("swiotlb (Linux 6.5+)", Options(BounceDesign.Swiotlb, kmallocBounce: true, swiotlb: 64L << 20), Buggy: false),
            new Candidate("coherent pool", Options(BounceDesign.CoherentPool, kmallocBounce: false, swiotlb: 0), Buggy: false),
            new Candidate("object pool", Options(BounceDesign.ObjectPool, kmallocBounce: false, swiotlb: 0), Buggy: false),
        };

        private static MachineOptions Options(BounceDesign design, bool kmallocBounce, long swiotlb) => new MachineOptions
        {
            BounceDesign = design, KmallocBounce = kmallocBounce, SwiotlbBytes = swiotlb, Log = TextWriter.Null,
            BouncePoolBytes = PoolStart,
            // What the design costs, not what the checkers cost: dma-debug's reports on the baseline's shared lines
            // would otherwise dominate its time.
            DmaDebug = false, TrackAllocationSites = false,
        };

        public static int Run(string[] args)
        {
            bool quick = args.Contains("--quick");
            int chartAt = Array.IndexOf(args, "--chart");
            if (chartAt >= 0 && chartAt + 1 >= args.Length)
            {
                Console.Error.WriteLine("designs: --chart needs a file name (.png or .svg)");
                return 2;
            }
            string chart = chartAt >= 0 ? args[chartAt + 1] : DefaultChart;
            string? unknown = args.Where((a, i) => a != "--quick" && a != "--chart" && (chartAt < 0 || i != chartAt + 1)).FirstOrDefault();
            if (unknown is not null)
            {
                Console.Error.WriteLine($"designs: unknown argument '{unknown}' (usage: designs [--quick] [--chart PATH.png|PATH.svg])");
                return 2;
            }

            WorkloadShape shape = quick ? WorkloadShape.Quick : WorkloadShape.Full;
            Console.WriteLine($"""
Bounce designs for packed kmalloc buffers on non-coherent DMA: one workload, one machine per design
=====================================================================================================
Workload: a network receive ring (atomic context, GFP_ATOMIC) and a storage command queue (process context) on
two non-coherent devices, small packed buffers, {shape.SteadyPerTick} transfers a tick with bursts of {shape.BurstPerTick} a tick
({shape.BurstTicks} ticks in every {shape.BurstEvery}), {shape.Ticks} ticks, each transfer in flight for {shape.Latency} ticks while the CPU writes the
packed object next to its buffer.

""");
            var results = new List<(Candidate Design, WorkloadResult Result)>();
            foreach (Candidate c in Candidates())
                results.Add((c, DmaWorkload.Run(Machine.Boot(c.Options), shape)));

            Console.WriteLine(Table(results));
            Console.WriteLine("""
reserved: memory the design holds whether used or not (the swiotlb, the pool, the object reserve); peak in use: the
most bounce memory live mappings held at once; padding: the most slab memory the workload's objects wasted at once
(ksize - requested); time: map+unmap of the workload's buffers over map+unmap of DMA-aligned buffers on the same
machine, measured in this run.
""");
            try
            {
                string? dir = Path.GetDirectoryName(Path.GetFullPath(chart));
                if (dir is not null) Directory.CreateDirectory(dir);
                MemoryChart.Save(chart, results.Select(r => (r.Design.Name, r.Result.Samples)).ToList());
                Console.WriteLine($"chart of reserved and in-use bounce memory over the run: {chart}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Console.Error.WriteLine($"designs: could not write the chart to {chart}: {ex.Message}");
                return 1;
            }

            var wrong = results.Where(r => r.Design.Buggy ? r.Result.CorruptedTransfers == 0 : r.Result.CorruptedTransfers > 0).ToList();
            if (wrong.Count == 0)
            {
                Console.WriteLine("OK: every design but the baseline kept every transfer intact; the baseline corrupted some, as expected.");
                return 0;
            }
            foreach (var (design, result) in wrong)
                Console.WriteLine($"UNEXPECTED: {design.Name}: {result.CorruptedTransfers} of {result.Transfers} transfers corrupted");
            return 1;
        }

        public static string Table(IReadOnlyList<(Candidate Design, WorkloadResult Result)> results)
        {
            var rows = new List<string[]>
            {
                new[] { "design", "reserved", "peak in use", "bounces", "cache ops", "GFP_ATOMIC fallbacks", "map failures", "corrupted", "padding", "time vs direct" },
            };
            foreach (var (design, r) in results)
            {
                rows.Add(new[]
                {
                    design.Name, Size(r.Bounce.ReservedBytes), Size(r.Bounce.PeakInUseBytes), r.Bounce.Bounces.ToString("N0"),
                    r.CacheMaintenance.ToString("N0"), r.Bounce.AtomicFallbacks.ToString("N0"), r.Bounce.MappingFailures.ToString("N0"),
                    $"{r.CorruptedTransfers:N0} of {r.Transfers:N0}", Size(r.PeakSlabPaddingBytes), $"{r.TimeRatio:F2}x",
                });
            }
            int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
            var lines = rows.Select(row => string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])))).ToList();
            lines.Insert(1, new string('-', lines[0].Length));
            return string.Join(Environment.NewLine, lines);
        }

        private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):F1} MiB" : $"{bytes / 1024.0:F1} KiB";
    }
}
