using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>
    /// PA0001 (and PA0002, its work-budget notice). The flow analysis is whole-compilation and runs once per
    /// compilation, on the first request; each syntax tree then reports the diagnostics located in it, so the IDE
    /// shows them per open document and <c>dotnet build</c> shows them all.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PackedBufferReachesDmaAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Tests set this to see failures the analyzer otherwise swallows to stay silent in users' builds.</summary>
        internal static Action<Exception>? FailureObserver { get; set; }

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.PackedBufferReachesDma, Descriptors.AnalysisBudgetExceeded);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var kernel = KernelSymbols.TryCreate(start.Compilation);
                if (kernel == null)
                {
                    return;
                }

                var options = AnalysisOptions.Read(start.Options.AnalyzerConfigOptionsProvider, start.Compilation, kernel.ArchDmaMinAlign);
                var cache = new ResultCache(start.Compilation, kernel, options);
                start.RegisterSemanticModelAction(model =>
                {
                    foreach (var diagnostic in cache.Get(model.CancellationToken).For(model.SemanticModel.SyntaxTree))
                    {
                        model.ReportDiagnostic(diagnostic);
                    }
                });
            });
        }

        /// <summary>
        /// Computes the result once per compilation. A cancelled computation is not stored, so the next request starts
        /// again; an unexpected failure gives an empty result rather than an AD0001 that would hide every diagnostic.
        /// </summary>
        private sealed class ResultCache
        {
            private readonly object _gate = new object();
            private readonly Compilation _compilation;
            private readonly KernelSymbols _kernel;
            private readonly AnalysisOptions _options;
            private FlowDiagnostics? _result;

            public ResultCache(Compilation compilation, KernelSymbols kernel, AnalysisOptions options)
            {
                _compilation = compilation;
                _kernel = kernel;
                _options = options;
            }

            public FlowDiagnostics Get(CancellationToken cancellationToken)
            {
                lock (_gate)
                {
                    if (_result == null)
                    {
                        try
                        {
                            _result = FlowDiagnostics.Compute(_compilation, _kernel, _options, cancellationToken);
                        }
                        catch (OperationCanceledException)
                        {
                            throw;
                        }
                        catch (Exception exception)
                        {
                            FailureObserver?.Invoke(exception);
                            _result = FlowDiagnostics.Empty;
                        }
                    }

                    return _result;
                }
            }
        }
    }
}
