using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Rules;

namespace PackedAlloc.Benchmarks
{
    /// <summary>
    /// PA0001's cost over the cost of binding the same code. The baseline runs an analyzer that only asks for each
    /// tree's semantic model (so the compiler binds everything, as a build does); the measured run is PA0001. Both get
    /// a fresh clone of the compilation each time, so nothing is cached between iterations. Read the Ratio column.
    /// </summary>
    [MemoryDiagnoser]
    public class AnalyzerBenchmarks
    {
        private CSharpCompilation _compilation = null!;

        [Params("Drivers", "LongCallChain", "Recursion", "BrokenCode", "HugeMethod")]
        public string Scenario { get; set; } = "Drivers";

        [GlobalSetup]
        public void Setup() => _compilation = CreateCompilation(Scenario);

        public static CSharpCompilation CreateCompilation(string scenario)
        {
            var trustedAssemblies = ((string)System.AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            var references = trustedAssemblies
                .Where(p => Path.GetFileName(p).StartsWith("System.", System.StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Select(p => MetadataReference.CreateFromFile(p))
                .Append(MetadataReference.CreateFromFile(typeof(PackedAlloc.Runtime.Kernel).Assembly.Location));
            var trees = Workloads.Create(scenario).Select((s, i) => CSharpSyntaxTree.ParseText(s, path: $"File{i}.cs"));
            return CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        }

        [Benchmark(Baseline = true)]
        public int BindOnly() => Run(new BindEverythingAnalyzer());

        [Benchmark]
        public int PA0001()
        {
            var diagnostics = RunOn(_compilation.Clone(), new DmaFlowAnalyzer());
            if (!Workloads.AsExpected(Scenario, diagnostics))
            {
                throw new System.InvalidOperationException($"{Scenario}: {diagnostics.Count(d => d.Id == "PA0001")} PA0001 (expected {Workloads.ExpectedPa0001(Scenario)}), "
                    + $"{diagnostics.Count(d => d.Id == "PA0003")} PA0003 (expected {Workloads.ExpectedPa0003(Scenario)}), "
                    + $"{diagnostics.Count(d => d.Id == "PA0004")} PA0004 (expected {Workloads.ExpectedPa0004(Scenario)}), "
                    + $"{diagnostics.Count(d => d.Id == "PA0005")} PA0005 (expected {Workloads.ExpectedPa0005(Scenario)}), "
                    + $"{diagnostics.Count(d => d.Id == "PA0006")} PA0006 (expected {Workloads.ExpectedPa0006(Scenario)}), "
                    + $"{diagnostics.Count(d => d.Id == "PA0007")} PA0007 (expected {Workloads.ExpectedPa0007(Scenario)}): the benchmark would time a broken analyzer");
            }

            return diagnostics.Length;
        }

        private int Run(DiagnosticAnalyzer analyzer) => RunOn(_compilation.Clone(), analyzer).Length;

        public static ImmutableArray<Diagnostic> RunOn(Compilation compilation, DiagnosticAnalyzer analyzer) =>
            compilation.WithAnalyzers(ImmutableArray.Create(analyzer))
                .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>The baseline: binds every tree, reports nothing.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class BindEverythingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Unused = new DiagnosticDescriptor("BENCH0", "unused", "unused", "Bench", DiagnosticSeverity.Hidden, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Unused);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSemanticModelAction(model => model.SemanticModel.GetDiagnostics());
        }
    }
}
