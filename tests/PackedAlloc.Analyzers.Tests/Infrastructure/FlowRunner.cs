using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>Runs the compilation-wide flow directly, for tests that count its work or its hits.</summary>
    internal static class FlowRunner
    {
        public static CompilationFlow Run(string source)
        {
            var compilation = CSharpCompilation.Create("Flow",
                new[] { CSharpSyntaxTree.ParseText(Verify.Usings + source) }, TestReferences.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var kernel = KernelSymbols.TryCreate(compilation)!;
            var options = AnalysisOptions.Read(new NoOptions(), compilation, kernel.ArchDmaMinAlign);
            var flow = new CompilationFlow(compilation, kernel, options, CancellationToken.None);
            flow.Run();
            return flow;
        }

        private sealed class NoOptions : AnalyzerConfigOptionsProvider
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
