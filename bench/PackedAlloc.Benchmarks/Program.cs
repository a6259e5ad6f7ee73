using System;
using System.Diagnostics;
using System.Linq;
using BenchmarkDotNet.Running;
using PackedAlloc.Analyzers.Rules;

namespace PackedAlloc.Benchmarks
{
    public static class Program
    {
        /// <summary>
        /// <c>dotnet run -c Release --project bench/PackedAlloc.Benchmarks</c> runs BenchmarkDotNet (add
        /// <c>--job short</c> for a quick pass); <c>-- --quick</c> runs each scenario a few times and prints the
        /// ratio to the baseline measured in the same run, plus what PA0001 reported; <c>-- --on DIR</c> profiles the
        /// analysis on any directory of C# files (see <see cref="DirectoryProfile"/>).
        /// </summary>
        public static int Main(string[] args)
        {
            int write = Array.IndexOf(args, "--write-workload");
            if (write >= 0 && write + 2 < args.Length)
            {
                // A scenario's sources as files, to profile with --on or to build.
                System.IO.Directory.CreateDirectory(args[write + 2]);
                int file = 0;
                foreach (var source in Workloads.Create(args[write + 1]))
                {
                    System.IO.File.WriteAllText(System.IO.Path.Combine(args[write + 2], $"File{file++}.cs"), source);
                }

                return 0;
            }

            int on = Array.IndexOf(args, "--on");
            if (on >= 0 && on + 1 < args.Length)
            {
                int define = Array.IndexOf(args, "--define");
                int runs = Array.IndexOf(args, "--runs");
                int threads = Array.IndexOf(args, "--threads");
                return DirectoryProfile.Run(args[on + 1], define >= 0 && define + 1 < args.Length ? args[define + 1] : string.Empty,
                    runs >= 0 && runs + 1 < args.Length ? int.Parse(args[runs + 1], System.Globalization.CultureInfo.InvariantCulture) : 3,
                    phasesOnly: args.Contains("--phases-only"), allocations: args.Contains("--allocations"), edits: args.Contains("--edits"),
                    threads: threads >= 0 && threads + 1 < args.Length ? int.Parse(args[threads + 1], System.Globalization.CultureInfo.InvariantCulture) : PackedAlloc.Analyzers.Flow.Parallelism.DefaultMaxThreads);
            }

            if (args.Contains("--runtime-scaling"))
            {
                RuntimeScaling.Run();
                return 0;
            }

            if (args.Contains("--quick"))
            {
                return Quick() ? 0 : 1;
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }

        /// <summary>Times each scenario; false when a scenario's PA0001 or PA0003 count is not the one it must report.</summary>
        private static bool Quick()
        {
            bool allAsExpected = true;
            Console.WriteLine("scenario        bind-only ms   flow ms   ratio   PA0001  PA0002  PA0003  PA0004  PA0005  PA0006  PA0007");
            foreach (var scenario in new[] { "Drivers", "LongCallChain", "Recursion", "BrokenCode", "HugeMethod" })
            {
                var compilation = AnalyzerBenchmarks.CreateCompilation(scenario);
                double baseline = Median(() => AnalyzerBenchmarks.RunOn(compilation.Clone(), new BindEverythingAnalyzer()).GetHashCode());
                double measured = Median(() => AnalyzerBenchmarks.RunOn(compilation.Clone(), new DmaFlowAnalyzer()).GetHashCode());
                var diagnostics = AnalyzerBenchmarks.RunOn(compilation.Clone(), new DmaFlowAnalyzer());
                int Count(string id) => diagnostics.Count(d => d.Id == id);
                bool asExpected = Workloads.AsExpected(scenario, diagnostics);
                allAsExpected &= asExpected;
                Console.WriteLine($"{scenario,-15} {baseline,12:F1} {measured,9:F1} {measured / baseline,7:F2} {Count("PA0001"),8} {Count("PA0002"),7} {Count("PA0003"),7} {Count("PA0004"),7} {Count("PA0005"),7} {Count("PA0006"),7} {Count("PA0007"),7}"
                    + (asExpected ? "" : $"  UNEXPECTED (want {Workloads.ExpectedPa0001(scenario)} PA0001, {Workloads.ExpectedPa0003(scenario)} PA0003, {Workloads.ExpectedPa0004(scenario)} PA0004, {Workloads.ExpectedPa0005(scenario)} PA0005, {Workloads.ExpectedPa0006(scenario)} PA0006, {Workloads.ExpectedPa0007(scenario)} PA0007, no AD0001)"));
            }

            return allAsExpected;
        }

        private static double Median(Func<int> run)
        {
            run();
            var times = Enumerable.Range(0, 5).Select(_ =>
            {
                var watch = Stopwatch.StartNew();
                run();
                return watch.Elapsed.TotalMilliseconds;
            }).OrderBy(t => t).ToList();
            return times[times.Count / 2];
        }
    }
}
