using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>Runs the compilation-wide flow directly, for tests that count its work, its hits or what it looked at.</summary>
    internal static class FlowRunner
    {
        public static CompilationFlow Run(string source) => Run(new[] { source });

        /// <summary>One tree per source, each starting with <see cref="Verify.Usings"/>; options as .editorconfig keys without the prefix.</summary>
        public static CompilationFlow Run(IEnumerable<string> sources, IReadOnlyDictionary<string, string>? options = null)
        {
            var flow = Create(sources, options);
            flow.Run();
            return flow;
        }

        public static CompilationFlow Create(IEnumerable<string> sources, IReadOnlyDictionary<string, string>? options = null) =>
            Create(Compilation(sources), options)!;

        /// <summary>One tree per source (File0.cs, File1.cs …), each starting with <see cref="Verify.Usings"/>, with the runtime referenced.</summary>
        public static CSharpCompilation Compilation(IEnumerable<string> sources) =>
            CSharpCompilation.Create("Flow",
                sources.Select((source, i) => CSharpSyntaxTree.ParseText(Verify.Usings + source, path: $"File{i}.cs")), TestReferences.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        /// <summary>The flow of an existing compilation, with default options or the given ones; null when it does not reference the runtime.</summary>
        public static CompilationFlow? Create(Compilation compilation, IReadOnlyDictionary<string, string>? options = null)
        {
            var kernel = KernelSymbols.TryCreate(compilation);
            if (kernel == null)
            {
                return null;
            }

            var analysisOptions = AnalysisOptions.Read(new Options(options ?? new Dictionary<string, string>()), compilation, kernel.ArchDmaMinAlign);
            return new CompilationFlow(compilation, kernel, analysisOptions, CancellationToken.None);
        }

        private sealed class Options : AnalyzerConfigOptionsProvider
        {
            public Options(IReadOnlyDictionary<string, string> values) => GlobalOptions = new Values(values);

            public override AnalyzerConfigOptions GlobalOptions { get; }

            public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

            public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

            private sealed class Values : AnalyzerConfigOptions
            {
                private readonly IReadOnlyDictionary<string, string> _values;

                public Values(IReadOnlyDictionary<string, string> values) => _values = values;

                public override bool TryGetValue(string key, out string value)
                {
                    const string Prefix = AnalysisOptions.Prefix + Descriptors.PackedBufferReachesDmaId + ".";
                    if (key.StartsWith(Prefix, System.StringComparison.Ordinal) && _values.TryGetValue(key.Substring(Prefix.Length), out var found))
                    {
                        value = found;
                        return true;
                    }

                    value = null!;
                    return false;
                }
            }
        }
    }
}
