using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Every C# block of README.md and docs/rules/*.md is a complete program or type: it compiles on its own against
    /// the runtime, without warnings, and the analyzer reports exactly what its comments say — a line whose comment
    /// starts with <c>// PA0001</c> gets PA0001 there, <c>// PA0001 suppressed</c> gets it suppressed, and no other
    /// line gets anything. The README's driver program is also run, and prints what the README says it prints.
    /// </summary>
    [Collection(ConsoleCollection.Name)]
    public class DocumentationSnippetsTests
    {
        private static readonly Regex Fence = new Regex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.CultureInvariant);
        private static readonly Regex Marker = new Regex(@"//\s*(?<id>PA\d{4})(?<suppressed>\s+suppressed)?\b", RegexOptions.CultureInvariant);

        private static IEnumerable<string> Documents() =>
            new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs", "rules"), "*.md")
                .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/')).OrderBy(f => f, StringComparer.Ordinal));

        private static List<string> Blocks(string document) =>
            Fence.Matches(File.ReadAllText(Path.Combine(Repository.Root, document))).Select(m => m.Groups["code"].Value).ToList();

        public static IEnumerable<object[]> AllBlocks() =>
            Documents().SelectMany(d => Blocks(d).Select((_, i) => new object[] { d, i }));

        [Fact]
        public void TheDocsHaveTheBlocksThisTestChecks()
        {
            Assert.NotEmpty(Blocks("README.md"));
            Assert.True(Blocks("docs/rules/PA0001.md").Count >= 3, "PA0001.md: Bad, Good, Suppressing");
            Assert.NotEmpty(Blocks("docs/rules/PA0002.md"));
            Assert.True(Blocks("docs/rules/PA0003.md").Count >= 3, "PA0003.md: Bad, Good, Suppressing");
            Assert.True(Blocks("docs/rules/PA0007.md").Count >= 3, "PA0007.md: Bad, Good, Suppressing");
            Assert.True(Blocks("docs/rules/PA0004.md").Count >= 3, "PA0004.md: Bad, Good, Suppressing");
            Assert.True(Blocks("docs/rules/PA0005.md").Count >= 3, "PA0005.md: Bad, Good, Suppressing");
            Assert.True(Blocks("docs/rules/PA0006.md").Count >= 3, "PA0006.md: Bad, Good, Suppressing");
        }

        [Theory]
        [MemberData(nameof(AllBlocks))]
        public async Task Block_Compiles_AndTheAnalyzerReportsWhatItsCommentsSay(string document, int index)
        {
            string code = Blocks(document)[index];
            var compilation = Compile(code, $"{document}#{index + 1}.cs");
            var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id is not ("CS1701" or "CS1702")).ToList();
            Assert.True(problems.Count == 0, $"{document}, C# block {index + 1}, does not compile cleanly:\n{string.Join("\n", problems)}\n{code}");

            var expected = code.Split('\n')
                .Select((line, number) => (Match: Marker.Match(line), Line: number))
                .Where(x => x.Match.Success)
                .Select(x => $"{x.Line + 1}: {x.Match.Groups["id"].Value}{(x.Match.Groups["suppressed"].Success ? " suppressed" : "")}")
                .ToList();
            var actual = (await Analyze(compilation))
                .Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.Id}{(d.IsSuppressed ? " suppressed" : "")}")
                .Distinct().ToList();
            Assert.True(expected.OrderBy(x => x).SequenceEqual(actual.OrderBy(x => x)),
                $"{document}, C# block {index + 1}: comments say [{string.Join(", ", expected)}], the analyzer reports [{string.Join(", ", actual)}]\n{code}");
        }

        [Fact]
        public async Task ReadmeProgram_LosesTheDevicesData_AsTheReadmeSays_AndWithoutPackingKeepsIt()
        {
            string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
            string program = Blocks("README.md").Single(b => b.Contains("Machine.Boot(", StringComparison.Ordinal));
            string promised = Regex.Match(readme, @"It prints `(?<out>[^`]+)`").Groups["out"].Value;
            Assert.StartsWith("CORRUPTED", promised, StringComparison.Ordinal);

            var (stdout, stderr) = Run(Compile(program, "README.md#program.cs"));
            Assert.Equal(promised, stdout.Trim());
            // The runtime speaks: dma-debug's report of the mapping went to standard error, in the kernel log's format.
            Assert.Matches(new Regex(@"(?m)^\[ *\d+\.\d{6}\] DMA-API: packedalloc eth0: device driver maps memory that shares a cache line"), stderr);

            // The other way: the same program with an unpacked buffer keeps the data, and the analyzer is silent.
            string unpacked = program.Replace("KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);", "KernelPtr buf = kmalloc(24, GFP_KERNEL);", StringComparison.Ordinal);
            Assert.NotEqual(program, unpacked);
            var fixedCompilation = Compile(unpacked, "README.md#unpacked.cs");
            Assert.Empty(await Analyze(fixedCompilation));
            Assert.Equal("intact", Run(fixedCompilation).Stdout.Trim());
        }

        private static CSharpCompilation Compile(string code, string path)
        {
            var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path);
            bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
            return CSharpCompilation.Create(
                "Snippet" + Guid.NewGuid().ToString("N"),
                new[] { tree },
                TestReferences.All,
                new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        }

        private static async Task<ImmutableArray<Diagnostic>> Analyze(Compilation compilation)
        {
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
                concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true);
            return await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DmaFlowAnalyzer()), options)
                .GetAnalyzerDiagnosticsAsync();
        }

        /// <summary>Emits and runs a program in this process, with its standard output and error captured.</summary>
        private static (string Stdout, string Stderr) Run(Compilation compilation)
        {
            using var image = new MemoryStream();
            var emitted = compilation.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            MethodInfo entry = Assembly.Load(image.ToArray()).EntryPoint!;
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            TextWriter originalOut = Console.Out, originalError = Console.Error;
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                entry.Invoke(null, entry.GetParameters().Length == 0 ? null : new object[] { Array.Empty<string>() });
            }
            finally
            {
                Console.SetOut(originalOut);
                Console.SetError(originalError);
            }
            return (stdout.ToString(), stderr.ToString());
        }
    }

    /// <summary>Tests that redirect the process's console run alone.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ConsoleCollection
    {
        public const string Name = "Console";
    }
}
