using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// The analyzer run over this repository's own C# (the runtime, which defines the Kernel API in source, and
    /// every test and sample that calls it): thousands of lines of varied real code, some of it not compiling in
    /// this setting. Nothing may throw; the analyzer's internal failures surface as AD0001 here.
    /// </summary>
    public class RealCodeTests
    {
        [Fact]
        public async Task RepositorySources_AnalyzedWithoutFailure()
        {
            var root = Repository.Root;
            var files = new[] { "src/PackedAlloc.Runtime", "tests/PackedAlloc.Runtime.Tests", "samples", "tests/PackedAlloc.Analyzers.Tests" }
                .Select(d => Path.Combine(root, d))
                .Where(Directory.Exists)
                .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories))
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .ToList();
            Assert.True(files.Count > 20, "expected the repository's sources, found " + files.Count);

            var references = TestReferences.All.Where(r => !(r.Display ?? "").Contains("PackedAlloc.Runtime"));
            var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), path: f));
            var compilation = CSharpCompilation.Create("Repository", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new DmaFlowAnalyzer());
            var result = await compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
                    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false))
                .GetAnalyzerDiagnosticsAsync(CancellationToken.None);

            Assert.DoesNotContain(result, d => d.Id == "AD0001");
            // The runtime's hazard tests map packed buffers on purpose: the analysis ran and saw them.
            Assert.Contains(result, d => d.Id == Descriptors.PackedBufferReachesDmaId && d.Location.SourceTree!.FilePath.EndsWith("HazardTests.cs", StringComparison.Ordinal));
            Assert.DoesNotContain(result, d => d.Id == Descriptors.AnalysisBudgetExceededId);
        }
    }
}
