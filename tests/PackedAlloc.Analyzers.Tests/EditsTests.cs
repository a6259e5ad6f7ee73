using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// The IDE makes a new compilation at every edit (issue 14): the analysis of the next compilation starts from the
    /// previous one's (<see cref="PreviousAnalysis"/>), re-runs only the groups of roots that looked at an edited
    /// file, and must give exactly what an analysis from scratch gives, whatever the edit.
    /// </summary>
    public class EditsTests
    {
        private const int Files = 14;

        /// <summary>How many files implement the interface every file calls through.</summary>
        private const int Sinks = 4;

        /// <summary>
        /// Driver files, each its own group of roots (more roots in all than the threshold for groups): safe and
        /// unsafe mappings, a helper in the first file every file calls, and a field one file fills and the next maps.
        /// </summary>
        private static CSharpCompilation Drivers()
        {
            var sources = new List<string>
            {
                "static class Shared { public static void MapFor(Device dev, KernelPtr p, int n) => dma_map_single(dev, p, n, DMA_FROM_DEVICE); }\n"
                + "interface ISink { void Put(Device dev, KernelPtr p); }",
            };
            for (int i = 1; i < Files; i++)
            {
                // Some files implement the interface that every file calls through: its implementations are in
                // other files than most of their callers.
                string sink = i <= Sinks ? $"class Sink{i} : ISink {{ public void Put(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}" : "";
                sources.Add($@"
{sink}
class Driver{i}
{{
    void ViaSink(Device dev, ISink sink) {{ sink.Put(dev, kmalloc(24, GFP_KERNEL)); }}
    public static KernelPtr Pool;
    void Packed(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void Safe(Device dev) {{ var p = kmalloc(24, GFP_KERNEL); dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void ToDevice(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); dma_map_single(dev, p, 24, DMA_TO_DEVICE); }}
    void Guarded(Device dev) {{ var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED); if (dev_is_dma_coherent(dev)) dma_map_single(dev, p, 24, DMA_FROM_DEVICE); }}
    void ThroughHelper(Device dev) {{ Shared.MapFor(dev, kmalloc(24, GFP_KERNEL), 24); }}
    void Fill() {{ Pool = kmalloc(24, GFP_KERNEL); }}
    void MapPool(Device dev) {{ dma_map_single(dev, Pool, 24, DMA_FROM_DEVICE); }}
}}");
            }

            return CSharpCompilation.Create("Edits",
                sources.Select((source, i) => CSharpSyntaxTree.ParseText(Verify.Usings + source, path: $"File{i}.cs")), TestReferences.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        }

        private static (CompilationFlow Flow, List<string> Diagnostics) Analyse(Compilation compilation, PreviousAnalysis? previous)
        {
            var flow = FlowRunner.Create(compilation)!;
            flow.Previous = previous;
            var diagnostics = FlowDiagnostics.Compute(flow).All
                .Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)
                    + " " + string.Join(",", d.AdditionalLocations.Select(l => l.GetLineSpan().ToString())))
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToList();
            return (flow, diagnostics);
        }

        /// <summary>Replaces the first occurrence of <paramref name="find"/> in file <paramref name="file"/>, as typing would (the other trees stay the same objects).</summary>
        private static Compilation Edit(Compilation compilation, int file, string find, string replace)
        {
            var tree = compilation.SyntaxTrees.Single(t => t.FilePath == $"File{file}.cs");
            var text = tree.GetText();
            int at = text.ToString().IndexOf(find, StringComparison.Ordinal);
            Assert.True(at >= 0, $"'{find}' is not in File{file}.cs");
            var changed = text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(at, find.Length), replace));
            return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(changed));
        }

        private static PreviousAnalysis Previous(Compilation compilation)
        {
            var (flow, _) = Analyse(compilation, null);
            var previous = PreviousAnalysis.Capture(flow);
            Assert.NotNull(previous);
            return previous!;
        }

        [Fact]
        public void FlagsChangedInABody_RerunsOnlyThatFilesGroup_AndFindsTheNewWarning()
        {
            var before = Drivers();
            var previous = Previous(before);
            var after = Edit(before, 10, "void Safe(Device dev) { var p = kmalloc(24, GFP_KERNEL);", "void Safe(Device dev) { var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);");

            var (incremental, found) = Analyse(after, previous);
            var (_, fresh) = Analyse(after, null);

            Assert.Equal(fresh, found);
            Assert.Equal(1, incremental.ChangedTrees);
            Assert.Equal(incremental.Groups - 1, incremental.ReusedGroups);
            // The edit made Safe map a packed buffer: one warning more than before, in File10.
            static int InFile10(List<string> diagnostics) => diagnostics.Count(d => d.StartsWith("PA0001 File10.cs:", StringComparison.Ordinal));
            Assert.Equal(InFile10(Analyse(before, null).Diagnostics) + 1, InFile10(found));
            Assert.Equal(Analyse(before, null).Diagnostics.Count + 1, found.Count);
        }

        [Fact]
        public void ACallThroughAnInterface_FindsTheImplementationsInFilesTheEditDidNotTouch()
        {
            // The edited file's group runs again; the implementations it dispatches to are in other files, which
            // the edit's analysis has not looked at yet: it must find all of them, as the full analysis does.
            var before = Drivers();
            var previous = Previous(before);
            var after = Edit(before, 9, "void ViaSink(Device dev, ISink sink) { sink.Put(dev, kmalloc(24, GFP_KERNEL)); }",
                "void ViaSink(Device dev, ISink sink) { sink.Put(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED)); }");

            var (incremental, found) = Analyse(after, previous);

            Assert.Equal(Analyse(after, null).Diagnostics, found);
            Assert.True(incremental.ReusedGroups > 0);
            Assert.True(incremental.CollectedTrees.Count() < Files, "the edit's analysis should not have looked at every file");
            // One warning per implementation, each at its mapping, naming the allocation in File9.
            Assert.Equal(Sinks, found.Count(d => d.StartsWith("PA0001", StringComparison.Ordinal) && d.Contains("File9.cs", StringComparison.Ordinal)
                && !d.StartsWith("PA0001 File9.cs", StringComparison.Ordinal)));
        }

        [Fact]
        public void AWarningFixedInABody_Disappears()
        {
            var before = Drivers();
            var previous = Previous(before);
            var after = Edit(before, 5, "void Packed(Device dev) { var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);", "void Packed(Device dev) { var p = kmalloc(24, GFP_KERNEL);");

            var (incremental, found) = Analyse(after, previous);

            Assert.Equal(Analyse(after, null).Diagnostics, found);
            Assert.True(incremental.ReusedGroups > 0);
            Assert.Equal(Analyse(before, null).Diagnostics.Count - 1, found.Count);
        }

        [Fact]
        public void UnchangedCompilation_KeepsEveryGroup()
        {
            var compilation = Drivers();
            var previous = Previous(compilation);

            var (flow, found) = Analyse(compilation, previous);

            Assert.Equal(0, flow.ChangedTrees);
            Assert.Equal(flow.Groups, flow.ReusedGroups);
            Assert.Equal(Analyse(compilation, null).Diagnostics, found);
        }

        [Fact]
        public void ADeclarationChanged_RunsTheFullAnalysis()
        {
            var before = Drivers();
            var previous = Previous(before);
            var after = Edit(before, 4, "public static KernelPtr Pool;", "public static KernelPtr Pool; public static int Added;");

            var (flow, found) = Analyse(after, previous);

            Assert.Equal(-1, flow.ChangedTrees);
            Assert.Equal(0, flow.ReusedGroups);
            Assert.Equal(Analyse(after, null).Diagnostics, found);
        }

        [Fact]
        public void ABodyThatNowCallsIntoAnotherFile_TiesTheirGroups_AsAFreshAnalysisDoes()
        {
            // Fill in File2 now stores a packed buffer in File6's pool, which File6's MapPool maps: a new call into
            // another file's field changes what that file's group reads, so the result is the fresh one.
            var before = Drivers();
            var previous = Previous(before);
            var after = Edit(before, 2, "void Fill() { Pool = kmalloc(24, GFP_KERNEL); }", "void Fill() { Driver6.Pool = kmalloc(24, GFP_KERNEL | __GFP_PACKED); }");

            var (_, found) = Analyse(after, previous);
            var (_, fresh) = Analyse(after, null);

            Assert.Equal(fresh, found);
            Assert.Contains(found, d => d.StartsWith("PA0001 File6.cs:", StringComparison.Ordinal) && d.Contains("File2.cs", StringComparison.Ordinal));
        }

        [Fact]
        public void RandomEdits_GiveWhatAFreshAnalysisGives()
        {
            // Edits a typing user makes, one after another, each analysed from the previous analysis and from
            // scratch: flags added and removed, a mapping's direction, a statement deleted, a comment, a new
            // call into another file, a new member, a syntax error mid-typing.
            var edits = new (string Find, string Replace)[]
            {
                ("kmalloc(24, GFP_KERNEL);", "kmalloc(24, GFP_KERNEL | __GFP_PACKED);"),
                ("GFP_KERNEL | __GFP_PACKED", "GFP_KERNEL"),
                ("DMA_TO_DEVICE", "DMA_FROM_DEVICE"),
                ("DMA_FROM_DEVICE); }\n    void Safe", "DMA_TO_DEVICE); }\n    void Safe"),
                ("if (dev_is_dma_coherent(dev)) ", ""),
                ("void Fill() {", "void Fill() { // filling\n"),
                ("void Fill() { Pool", "void Fill() { Driver1.Pool"),
                ("Shared.MapFor(dev, kmalloc(24, GFP_KERNEL), 24);", "Shared.MapFor(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24);"),
                ("void MapPool(Device dev) {", "void MapPool(Device dev) { var q = kmalloc(8, GFP_KERNEL | __GFP_PACKED); dma_map_single(dev, q, 8, DMA_FROM_DEVICE);"),
                ("public static KernelPtr Pool;", "public static KernelPtr Pool; void Added() { }"),
                ("var p = kmalloc(24, GFP_KERNEL);", "var p = kmalloc(24, GFP_KERNEL"),
                ("sink.Put(dev, kmalloc(24, GFP_KERNEL));", "sink.Put(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED));"),
                ("public void Put(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE);", "public void Put(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_TO_DEVICE);"),
            };
            // A larger run: PACKEDALLOC_EDITS edits (40 in CI), from PACKEDALLOC_EDITS_SEED.
            int iterations = TestSettings.Read("PACKEDALLOC_EDITS", 40);
            int seed = TestSettings.Read("PACKEDALLOC_EDITS_SEED", 20261202);
            var random = new Random(seed);
            Compilation compilation = Drivers();
            var previous = Previous(compilation);
            int reused = 0;
            for (int step = 0; step < iterations; step++)
            {
                int file = random.Next(1, Files);
                var text = compilation.SyntaxTrees.Single(t => t.FilePath == $"File{file}.cs").GetText().ToString();
                var applicable = edits.Where(e => text.Contains(e.Find, StringComparison.Ordinal)).ToList();
                if (applicable.Count == 0)
                {
                    continue;
                }

                var (find, replace) = applicable[random.Next(applicable.Count)];
                compilation = Edit(compilation, file, find, replace);
                var (flow, found) = Analyse(compilation, previous);
                var (_, fresh) = Analyse(compilation, null);
                Assert.True(fresh.SequenceEqual(found), $"seed {seed}, step {step}: File{file}.cs, '{find}' -> '{replace}'\nfresh:\n{string.Join("\n", fresh)}\nfrom the previous analysis:\n{string.Join("\n", found)}");
                reused += flow.ReusedGroups > 0 ? 1 : 0;
                previous = PreviousAnalysis.Capture(flow) ?? previous;
            }

            // Most edits are inside bodies and keep the other files' groups (a run that kept none would pass the
            // comparison above without testing the reuse).
            Assert.True(reused > iterations / 3, $"only {reused} of {iterations} edits reused groups");
        }

        [Fact]
        public void TheAnalyzer_KeepsItsPreviousAnalysis_AcrossCompilations()
        {
            // One analyzer instance, as the IDE keeps it, and two compilations of one project.
            var analyzer = new DmaFlowAnalyzer();
            var before = Drivers();
            var after = Edit(before, 7, "void Safe(Device dev) { var p = kmalloc(24, GFP_KERNEL);", "void Safe(Device dev) { var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);");

            var first = Run(analyzer, before);
            var second = Run(analyzer, after);
            var fresh = Run(new DmaFlowAnalyzer(), after);

            Assert.Equal(first.Count + 1, second.Count);
            Assert.Equal(fresh, second);
        }

        private static List<string> Run(DiagnosticAnalyzer analyzer, Compilation compilation) =>
            compilation.WithAnalyzers(System.Collections.Immutable.ImmutableArray.Create(analyzer))
                .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult()
                .Select(d => d.Id + " " + d.Location.GetLineSpan())
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToList();
    }
}
