using System;
using System.Collections.Generic;
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
                    foreach (var diagnostic in cache.For(model.SemanticModel.SyntaxTree, model.CancellationToken))
                    {
                        model.ReportDiagnostic(diagnostic);
                    }
                });
            });
        }

        /// <summary>
        /// Computes the result once per compilation, in two steps. First, cheaply, which trees hold code that can
        /// touch kernel values; a request for any other tree is answered at once, without waiting for the flow
        /// analysis (no diagnostic can be located there). Then, on the first request for a relevant tree, the flow
        /// analysis itself. A cancelled computation is not stored, so the next request starts again; an unexpected
        /// failure gives an empty result rather than an AD0001 that would hide every diagnostic.
        /// </summary>
        private sealed class ResultCache
        {
            private static readonly IReadOnlyList<Diagnostic> None = Array.Empty<Diagnostic>();

            private readonly object _gate = new object();
            private readonly Compilation _compilation;
            private readonly KernelSymbols _kernel;
            private readonly AnalysisOptions _options;
            private CompilationFlow? _flow;
            private FlowDiagnostics? _result;

            public ResultCache(Compilation compilation, KernelSymbols kernel, AnalysisOptions options)
            {
                _compilation = compilation;
                _kernel = kernel;
                _options = options;
            }

            public IReadOnlyList<Diagnostic> For(SyntaxTree tree, CancellationToken cancellationToken)
            {
                lock (_gate)
                {
                    if (_result != null)
                    {
                        return _result.For(tree);
                    }

                    try
                    {
                        if (_flow == null)
                        {
                            var flow = new CompilationFlow(_compilation, _kernel, _options, cancellationToken);
                            flow.FindRelevantBodies();
                            _flow = flow;
                        }

                        if (!_flow.IsRelevantTree(tree))
                        {
                            return None;
                        }

                        _flow.CancellationToken = cancellationToken;
                        _result = FlowDiagnostics.Compute(_flow);
                    }
                    catch (OperationCanceledException)
                    {
                        // The flow may have stopped half-way: the next request starts from scratch.
                        _flow = null;
                        throw;
                    }
                    catch (Exception exception)
                    {
                        FailureObserver?.Invoke(exception);
                        _result = FlowDiagnostics.Empty;
                    }

                    return _result.For(tree);
                }
            }
        }
    }
}
