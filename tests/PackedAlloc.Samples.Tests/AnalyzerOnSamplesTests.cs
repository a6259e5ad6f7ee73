using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples.Tests
{
    /// <summary>
    /// Runs PA0001 over the sample drivers' sources, as the demo's build does, and checks that it warns exactly on
    /// the lines marked <c>// &lt;- PA0001</c> (the buggy mappings) and nowhere else (no fixed version, no packed
    /// object that never reaches DMA, no DMA_TO_DEVICE mapping).
    /// </summary>
    public class AnalyzerOnSamplesTests
    {
        private const string Marker = "// <- PA0001";

        private static string SamplesDir()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "samples", "PackedAlloc.Samples");
                if (File.Exists(Path.Combine(dir.FullName, "PackedAlloc.sln")) && Directory.Exists(candidate)) return candidate;
            }
            throw new InvalidOperationException("samples/PackedAlloc.Samples not found above " + AppContext.BaseDirectory);
        }

        [Fact]
        public async Task Pa0001_WarnsExactlyOnTheMarkedLines()
        {
            string root = SamplesDir();
            string[] files = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "obj" or "bin")).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            var parse = new CSharpParseOptions(LanguageVersion.Latest);
            var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f)).ToArray();
            var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Append(typeof(Kernel).Assembly.Location)
                .Distinct()
                .Select(p => MetadataReference.CreateFromFile(p));
            var compilation = CSharpCompilation.Create("PackedAlloc.Samples", trees, refs,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

            ImmutableArray<Diagnostic> diags = await compilation
                .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DmaFlowAnalyzer()))
                .GetAnalyzerDiagnosticsAsync();

            string Where(Location l) => $"{Path.GetRelativePath(root, l.SourceTree!.FilePath)}:{l.GetLineSpan().StartLinePosition.Line + 1}";
            var actual = diags.Where(d => d.Id == "PA0001").Select(d => Where(d.Location)).OrderBy(x => x, StringComparer.Ordinal).ToArray();
            var expected = files.SelectMany(f => File.ReadAllLines(f).Select((text, i) => (text, i))
                    .Where(x => x.text.Contains(Marker, StringComparison.Ordinal))
                    .Select(x => $"{Path.GetRelativePath(root, f)}:{x.i + 1}"))
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();

            Assert.Equal(3, expected.Length);   // one buggy mapping per driver
            Assert.Equal(expected, actual);
            Assert.DoesNotContain(diags, d => d.Id.StartsWith("AD", StringComparison.Ordinal)); // the analyzer did not throw

            // Every sample driver checks its mappings (dma_mapping_error after storing into the ring, nents == 0 for
            // dma_map_sg): PA0003 must see each check, in the shapes real drivers write them.
            Assert.Equal(Array.Empty<string>(), diags.Where(d => d.Id == "PA0003").Select(d => Where(d.Location) + " " + d.GetMessage()).ToArray());

            // And each unmaps what it maps, with the size and direction it mapped with (PA0007), on every path.
            Assert.Equal(Array.Empty<string>(), diags.Where(d => d.Id == "PA0007").Select(d => Where(d.Location) + " " + d.GetMessage()).ToArray());

            // And none touches a buffer while its device owns it (PA0006), nor sleeps in atomic context (PA0004, PA0005).
            Assert.Equal(Array.Empty<string>(), diags.Where(d => d.Id is "PA0004" or "PA0005" or "PA0006").Select(d => d.Id + " " + Where(d.Location) + " " + d.GetMessage()).ToArray());
        }
    }
}
