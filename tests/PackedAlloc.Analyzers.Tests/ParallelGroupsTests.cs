using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;
using PackedAlloc.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Driver-dense code is analysed as independent groups of roots, on several threads where there are cores to spare (issue 14, FlowGroups). The
    /// groups must give what one run over all roots gives: same warnings, same notices, every time, including where
    /// one file's method writes what another file's maps (the groups that see each other are merged).
    /// </summary>
    public class ParallelGroupsTests
    {
        private const int Files = 12;

        /// <summary>
        /// A driver per file, with more relevant methods in all than the threshold for going parallel: safe and unsafe
        /// mappings, a helper in the first file that every file calls with its own buffer, and per file a static
        /// field that another file's method fills (packed in even files) and this file's method maps.
        /// </summary>
        private static List<string> DriverFiles()
        {
            var files = new List<string>
            {
                @"
static class Shared
{
    public static void MapFor(Device dev, KernelPtr p, int n) => dma_map_single(dev, p, n, DMA_FROM_DEVICE);
}",
            };
            for (int i = 1; i < Files; i++)
            {
                string flags = i % 2 == 0 ? "GFP_KERNEL | __GFP_PACKED" : "GFP_KERNEL";
                int next = i % (Files - 1) + 1;
                files.Add($@"
static class Pool{i} {{ public static KernelPtr Buf; }}

class Driver{i}
{{
    void Packed(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void Safe(Device dev) {{ var p = kmalloc(24, GFP_KERNEL); dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void ToDevice(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); dma_map_single(dev, p, 24, DMA_TO_DEVICE); }}
    void Guarded(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); if (dev_is_dma_coherent(dev)) dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void ThroughHelper(Device dev) {{ Shared.MapFor(dev, kmalloc(24, {flags}), 24); }}
    void Fill() {{ Pool{next}.Buf = kmalloc(24, {(next % 2 == 0 ? "GFP_KERNEL | __GFP_PACKED" : "GFP_KERNEL")}); }}
    void MapPool(Device dev) {{ dma_map_single(dev, Pool{i}.Buf, 24, DMA_FROM_DEVICE); }}
}}");
            }

            return files;
        }

        private static List<string> Describe(FlowDiagnostics diagnostics) =>
            diagnostics.All
                .Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + string.Join(",", d.AdditionalLocations.Select(l => l.GetLineSpan().ToString())))
                .OrderBy(s => s, System.StringComparer.Ordinal)
                .ToList();

        private static (CompilationFlow Flow, List<string> Diagnostics) Analyse(bool singleRun, int threads = 4, IReadOnlyDictionary<string, string>? options = null)
        {
            var flow = FlowRunner.Create(DriverFiles(), options);
            flow.SingleRun = singleRun;
            flow.MaxThreads = threads;
            var diagnostics = Describe(FlowDiagnostics.Compute(flow));
            return (flow, diagnostics);
        }

        [Fact]
        public void Groups_FindWhatOneRunFinds()
        {
            var (single, expected) = Analyse(singleRun: true);
            var (parallel, actual) = Analyse(singleRun: false);

            Assert.Equal(1, single.Groups);
            Assert.True(parallel.Groups > 1, "the files should have been analysed as separate groups");
            Assert.True(parallel.RelevantBodies.Count() >= Parallelism.Threshold);
            Assert.Equal(expected, actual);

            // What the warnings are, independently of either run: per file a packed buffer mapped from the device
            // directly; per even file one through the shared helper and one from its pool (filled packed by the
            // file before it).
            int even = Enumerable.Range(1, Files - 1).Count(i => i % 2 == 0);
            Assert.Equal((Files - 1) + even + even, actual.Count(d => d.StartsWith(Descriptors.PackedBufferReachesDmaId, System.StringComparison.Ordinal)));
        }

        [Fact]
        public void GroupsThatReadWhatOthersWrite_AreMerged()
        {
            var (parallel, _) = Analyse(singleRun: false);

            // Each file's MapPool reads the field another file's Fill writes: that chain ties every driver file into
            // one group; only the shared helper's file, which writes and reads no summary, stays apart.
            Assert.Equal(2, parallel.Groups);

            // And the packed buffers stored by one file and mapped by another are found: in every even file's MapPool.
            var mapPoolHits = parallel.Hits.Where(h => EnclosingMethod(h.Sink) == "MapPool").Select(h => h.Sink.SourceTree!.FilePath).OrderBy(p => p).ToList();
            var evenFiles = Enumerable.Range(1, Files - 1).Where(i => i % 2 == 0).Select(i => $"File{i}.cs").OrderBy(p => p).ToList();
            Assert.Equal(evenFiles, mapPoolHits);
        }

        private static string? EnclosingMethod(Location location) =>
            location.SourceTree!.GetRoot().FindNode(location.SourceSpan)
                .FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()?.Identifier.Text;

        [Fact]
        public void Groups_GiveTheSameResultEveryTime()
        {
            var first = Analyse(singleRun: false).Diagnostics;
            for (int run = 0; run < 5; run++)
            {
                Assert.Equal(first, Analyse(singleRun: false).Diagnostics);
            }
        }

        [Fact]
        public void Groups_OnOneThread_AreTheGroupsOfSeveral()
        {
            // The thread count follows the machine's cores; the groups, and so the diagnostics and notices, must not.
            var (oneThread, expected) = Analyse(singleRun: false, threads: 1);
            var (fourThreads, actual) = Analyse(singleRun: false, threads: 4);

            Assert.Equal(2, oneThread.Groups);
            Assert.Equal(fourThreads.Groups, oneThread.Groups);
            Assert.Equal(fourThreads.TotalSteps, oneThread.TotalSteps);
            Assert.Equal(expected, actual);
        }

        [Fact]
        public void ContextCap_CountsTheCallsOfOneGroup()
        {
            // Seventy files, each mapping its own packed buffer through one helper: seventy contexts of the helper,
            // more than one run analyses it in (PA0001.md, "64 distinct contexts"). Each file is a group of its own
            // (they share no field), and each group's calls are counted on their own: every mapping is checked.
            var sources = new List<string> { "static class Shared { public static void MapFor(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }" };
            sources.AddRange(Enumerable.Range(1, 70).Select(i => $"class C{i} {{ void M(Device dev) => Shared.MapFor(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED)); }}"));

            var grouped = FlowRunner.Create(sources);
            var groupedDiagnostics = FlowDiagnostics.Compute(grouped).All.ToList();
            var single = FlowRunner.Create(sources);
            single.SingleRun = true;
            var singleDiagnostics = FlowDiagnostics.Compute(single).All.ToList();

            Assert.Equal(70, groupedDiagnostics.Count(d => d.Id == Descriptors.PackedBufferReachesDmaId));
            Assert.DoesNotContain(groupedDiagnostics, d => d.Id == Descriptors.AnalysisBudgetExceededId);
            // One run over all of them meets the cap, and says so.
            Assert.Contains(singleDiagnostics, d => d.Id == Descriptors.AnalysisBudgetExceededId);
        }

        [Fact]
        public void CompilationBudget_RunningOutInGroups_GivesTheNoticeOneRunGives()
        {
            var options = new Dictionary<string, string> { [AnalysisOptions.MaxTotalStepsName] = "400" };
            var (single, expected) = Analyse(singleRun: true, options: options);
            var (parallel, actual) = Analyse(singleRun: false, options: options);

            Assert.Single(actual, d => d.StartsWith(Descriptors.AnalysisBudgetExceededId, System.StringComparison.Ordinal));
            Assert.Equal(expected, actual);
            Assert.Equal(single.UncheckedRoots.Select(b => b.Order), parallel.UncheckedRoots.Select(b => b.Order));
            Assert.Equal(400, parallel.TotalSteps);
        }

        /// <summary>
        /// In a build, a compiler thread that waits for the analysis runs items of its parallel steps instead of
        /// sleeping (<see cref="WorkBoard"/>). Whoever runs an item, the result is the same.
        /// </summary>
        [Fact]
        public async System.Threading.Tasks.Task ThreadsWaitingForTheAnalysis_HelpWithItsSteps_AndTheResultIsTheSame()
        {
            var (_, expected) = Analyse(singleRun: true);

            var flow = FlowRunner.Create(DriverFiles());
            flow.MaxThreads = 1;
            flow.Board = new WorkBoard();
            using var stop = new System.Threading.CancellationTokenSource();
            var helpers = Enumerable.Range(0, 3).Select(_ => System.Threading.Tasks.Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    flow.Board.Help(stop.Token);
                    System.Threading.Thread.Yield();
                }
            })).ToList();
            var actual = Describe(FlowDiagnostics.Compute(flow));
            stop.Cancel();
            await System.Threading.Tasks.Task.WhenAll(helpers);

            Assert.True(flow.Groups > 1);
            Assert.Equal(expected, actual);
        }

        [Fact]
        public async System.Threading.Tasks.Task SharedWork_RunsEveryItemOnce_WhoeverTakesIt()
        {
            const int Items = 2000;
            var runs = new int[Items];
            var work = new SharedWork(Items, i =>
            {
                System.Threading.Interlocked.Increment(ref runs[i]);
                if (i % 100 == 0) System.Threading.Thread.Sleep(1);
            });
            var helpers = Enumerable.Range(0, 3).Select(_ => System.Threading.Tasks.Task.Run(() => work.Help(default))).ToArray();

            work.Help(default);
            work.Finish(default);
            await System.Threading.Tasks.Task.WhenAll(helpers);

            Assert.All(runs, count => Assert.Equal(1, count));
        }

        [Fact]
        public async System.Threading.Tasks.Task SharedWork_AHelpersFailure_IsThrownByTheOwner_AndStopsTheRest()
        {
            int ran = 0;
            var work = new SharedWork(100, i =>
            {
                System.Threading.Interlocked.Increment(ref ran);
                if (i == 3) throw new System.InvalidOperationException("item 3");
            });

            await System.Threading.Tasks.Task.Run(() => work.Help(default));
            var thrown = Assert.Throws<System.InvalidOperationException>(() => work.Finish(default));

            Assert.Equal("item 3", thrown.Message);
            Assert.Equal(4, ran);
        }
    }
}
