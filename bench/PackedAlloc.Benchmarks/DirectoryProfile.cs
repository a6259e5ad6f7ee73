using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Benchmarks
{
    /// <summary>
    /// <c>-- --on DIR [--define A;B] [--runs N] [--threads N] [--phases-only] [--allocations] [--edits]</c>: runs PA0001's analysis in this process on every .cs file below DIR (any
    /// code: a public repository checked out beside this one, a generated corpus) and prints where its time goes,
    /// phase by phase, with the binding of the same code as the yardstick. For profiling, not for the figures in
    /// docs/performance.md, which come from real builds (bench/PackedAlloc.BuildBench).
    /// </summary>
    internal static class DirectoryProfile
    {
        public static int Run(string directory, string defines, int runs = 3, bool phasesOnly = false, bool allocations = false, bool edits = false, int threads = 0)
        {
            System.Diagnostics.Trace.Listeners.Add(new System.Diagnostics.TextWriterTraceListener(Console.Error));
            var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: defines.Split(';', StringSplitOptions.RemoveEmptyEntries));
            var trees = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(p => !p.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parseOptions, p))
                .ToList();
            var template = AnalyzerBenchmarks.CreateCompilation("Drivers");
            var compilation = CSharpCompilation.Create("Profiled", trees, template.References,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
            int lines = trees.Sum(t => t.GetText().Lines.Count);
            Console.WriteLine($"{trees.Count} files, {lines} lines, {compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error)} compile errors");

            if (phasesOnly)
            {
                // For a profiler: only the analysis, repeated.
                goto Phases;
            }

            var bind = Stopwatch.StartNew();
            foreach (var tree in compilation.Clone().SyntaxTrees)
            {
                compilation.GetSemanticModel(tree).GetDiagnostics();
            }

            Console.WriteLine($"binding every tree (yardstick): {bind.ElapsedMilliseconds} ms");

        Phases:
            for (int run = 0; run < runs; run++)
            {
                var fresh = compilation.Clone();
                var kernel = KernelSymbols.TryCreate(fresh);
                if (kernel == null)
                {
                    Console.WriteLine("the code does not reference PackedAlloc.Runtime");
                    return 1;
                }

                var total = Stopwatch.StartNew();
                var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
                var options = AnalysisOptions.Read(new EmptyOptions(), fresh, kernel.ArchDmaMinAlign);
                var flow = new CompilationFlow(fresh, kernel, options, CancellationToken.None) { MaxThreads = threads > 0 ? threads : Parallelism.DefaultMaxThreads };
                var phase = Stopwatch.StartNew();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                flow.FindRelevantBodies();
                long relevance = phase.ElapsedMilliseconds;
                long relevanceBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
                // The control flow graphs of the relevant bodies, built ahead so that the flow figure is the engine's own.
                phase.Restart();
                allocated = GC.GetAllocatedBytesForCurrentThread();
                foreach (var body in flow.RelevantBodies)
                {
                    body.GetGraph(CancellationToken.None);
                }

                long graphs = phase.ElapsedMilliseconds;
                long graphBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
                phase.Restart();
                allocated = GC.GetAllocatedBytesForCurrentThread();
                long allAllocated = GC.GetTotalAllocatedBytes(precise: false);
                var pausedBefore = GC.GetTotalPauseDuration();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
                using var listener = allocations && run == runs - 1 ? new AllocationSampler() : null;
                var result = FlowDiagnostics.Compute(flow);
                long analysis = phase.ElapsedMilliseconds;
                long analysisBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
                Console.WriteLine($"  flow: {flow.StepsAfterFirstRound} steps after the first round, {flow.Analyses} analyses of a body in a context");
                Console.WriteLine($"  flow: {(GC.GetTotalAllocatedBytes(precise: false) - allAllocated) >> 20} MB allocated on all threads, GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds:F0} ms, "
                    + $"collections gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}");
                Console.WriteLine($"run {run}: relevance {relevance} ms ({relevanceBytes >> 20} MB allocated), graphs {graphs} ms ({graphBytes >> 20} MB), flow {analysis} ms ({analysisBytes >> 20} MB), total {total.ElapsedMilliseconds} ms; "
                    + $"{flow.RelevantBodies.Count()} relevant bodies, {flow.TotalSteps} steps in {flow.Groups} groups, {flow.Rounds} rounds at most (budget {flow.StepBudget}); "
                    + $"{result.All.Count(d => d.Id == "PA0001")} PA0001, {result.All.Count(d => d.Id == "PA0002")} PA0002, {result.All.Count(d => d.Id == "PA0003")} PA0003, {result.All.Count(d => d.Id == "PA0004")} PA0004, {result.All.Count(d => d.Id == "PA0005")} PA0005, {result.All.Count(d => d.Id == "PA0006")} PA0006, {result.All.Count(d => d.Id == "PA0007")} PA0007; "
                    + $"JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} ms of it");
            }

            if (edits)
            {
                MeasureEdits(compilation);
                return 0;
            }

            for (int run = 0; run < 2 && !phasesOnly; run++)
            {
                var driver = Stopwatch.StartNew();
                var withAnalyzers = compilation.Clone().WithAnalyzers(
                    System.Collections.Immutable.ImmutableArray.Create<DiagnosticAnalyzer>(new PackedAlloc.Analyzers.Rules.DmaFlowAnalyzer()),
                    new CompilationWithAnalyzersOptions(new AnalyzerOptions(System.Collections.Immutable.ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
                var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
                var telemetry = withAnalyzers.GetAnalyzerTelemetryInfoAsync(withAnalyzers.Analyzers[0], CancellationToken.None).GetAwaiter().GetResult();
                Console.WriteLine($"through the analyzer driver: {driver.ElapsedMilliseconds} ms wall, {telemetry.ExecutionTime.TotalMilliseconds:F0} ms reported for PA0001, {diagnostics.Count(d => d.Id == "PA0001")} PA0001");
            }

            return 0;
        }

        /// <summary>
        /// What the IDE pays after an edit: every keystroke makes a new compilation (the unchanged trees are shared,
        /// the symbols are not), and the analysis runs again on it, starting from the previous compilation's
        /// (<see cref="PreviousAnalysis"/>). Three kinds of edit, in the middle of the largest tree, each timed from
        /// the previous analysis and from scratch, and the two results compared (they must be the same):
        /// a comment line, a statement inside a method body, a new member (a declaration: a full analysis).
        /// </summary>
        private static void MeasureEdits(CSharpCompilation compilation)
        {
            var (previous, _) = Analyse(compilation, null, out _);
            var path = compilation.SyntaxTrees.OrderByDescending(t => t.Length).First().FilePath;
            var current = compilation;
            var edits = new (string Kind, Func<SyntaxTree, int, SyntaxTree?> Make)[]
            {
                ("comment line", (tree, n) => Insert(tree, tree.GetText().Lines[tree.GetText().Lines.Count / 2].Start, $"// edit {n}\n")),
                ("statement in a body", (tree, n) => InsertInBody(tree, $"int edited{n} = {n}; ")),
                ("new member", (tree, n) => InsertMember(tree, $"private static int Edited{n}() => {n}; ")),
            };
            bool allSame = true;
            foreach (var (kind, make) in edits)
            {
                for (int n = 0; n < 3; n++)
                {
                    var oldTree = current.SyntaxTrees.First(t => t.FilePath == path);
                    var newTree = make(oldTree, n);
                    if (newTree == null)
                    {
                        Console.WriteLine($"{kind}: no place for it in {Path.GetFileName(path)}");
                        break;
                    }

                    current = current.ReplaceSyntaxTree(oldTree, newTree);
                    var watch = Stopwatch.StartNew();
                    var (next, incremental) = Analyse(current, previous, out var flow);
                    long incrementalMs = watch.ElapsedMilliseconds;
                    watch.Restart();
                    var (_, fresh) = Analyse(current, null, out _);
                    long freshMs = watch.ElapsedMilliseconds;
                    bool same = incremental.SequenceEqual(fresh);
                    allSame &= same;
                    Console.WriteLine($"{kind} {n} in {Path.GetFileName(path)}: {incrementalMs} ms from the previous analysis "
                        + $"({(flow.ChangedTrees < 0 ? "full analysis" : $"{flow.ReusedGroups} of {flow.Groups} groups kept")}), {freshMs} ms from scratch; "
                        + $"{incremental.Count(d => d.StartsWith("PA0001", StringComparison.Ordinal))} PA0001; {(same ? "same diagnostics" : "DIFFERENT DIAGNOSTICS")}");
                    previous = next;
                }
            }

            Console.WriteLine(allSame ? "every edit: the same diagnostics from the previous analysis as from scratch" : "some edits gave different diagnostics");
        }

        private static SyntaxTree Insert(SyntaxTree tree, int position, string text) =>
            tree.WithChangedText(tree.GetText().WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(position, 0), text)));

        private static SyntaxTree? InsertInBody(SyntaxTree tree, string statement)
        {
            var bodies = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Where(m => m.Body != null).ToList();
            return bodies.Count == 0 ? null : Insert(tree, bodies[bodies.Count / 2].Body!.OpenBraceToken.Span.End, statement);
        }

        private static SyntaxTree? InsertMember(SyntaxTree tree, string member)
        {
            var types = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().ToList();
            return types.Count == 0 ? null : Insert(tree, types[types.Count / 2].OpenBraceToken.Span.End, member);
        }

        /// <summary>The analysis of a compilation, from a previous one or not: what it leaves for the next, and its diagnostics as text.</summary>
        private static (PreviousAnalysis? Next, System.Collections.Generic.List<string> Diagnostics) Analyse(CSharpCompilation compilation, PreviousAnalysis? previous, out CompilationFlow flow)
        {
            var kernel = KernelSymbols.TryCreate(compilation)!;
            flow = new CompilationFlow(compilation, kernel, AnalysisOptions.Read(new EmptyOptions(), compilation, kernel.ArchDmaMinAlign), CancellationToken.None) { Previous = previous };
            var phase = Stopwatch.StartNew();
            flow.FindRelevantBodies();
            long relevance = phase.ElapsedMilliseconds;
            phase.Restart();
            var result = FlowDiagnostics.Compute(flow);
            if (previous != null)
            {
                Console.WriteLine($"  relevance {relevance} ms, groups and diagnostics {phase.ElapsedMilliseconds} ms ({flow.CollectedTrees.Count()} trees' declarations looked at; " + string.Join(", ", flow.NameScans.Select(p => p.Key + ":" + p.Value)) + ")");
            }

            var diagnostics = result.All.Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)
                + " " + string.Join(";", d.AdditionalLocations.Select(l => l.GetLineSpan().ToString()))).OrderBy(d => d, StringComparer.Ordinal).ToList();
            return (PreviousAnalysis.Capture(flow), diagnostics);
        }

        private sealed class EmptyOptions : AnalyzerConfigOptionsProvider
        {
            public override AnalyzerConfigOptions GlobalOptions { get; } = new None();

            public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

            public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

            private sealed class None : AnalyzerConfigOptions
            {
                public override bool TryGetValue(string key, out string value)
                {
                    value = null!;
                    return false;
                }
            }
        }
    }
}
