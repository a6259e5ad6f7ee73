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
    /// The rules the flow engine finds: PA0001 (<see cref="PackedBufferReachesDma"/>), PA0003
    /// (<see cref="MappingErrorNotChecked"/>), PA0004 (<see cref="SleepInAtomicContext"/>), PA0005 (<see cref="FlagsChosenByInAtomic"/>), PA0006 (<see cref="CpuTouchesDeviceOwnedBuffer"/>), PA0007 (<see cref="MappingLifetimeBroken"/>), and PA0002, the work-budget notice. The flow analysis is whole-compilation and runs once per
    /// compilation, on the first request; each syntax tree then reports the diagnostics located in it, so the IDE
    /// shows them per open document and <c>dotnet build</c> shows them all.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class DmaFlowAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Tests set this to see failures the analyzer otherwise swallows to stay silent in users' builds.</summary>
        internal static Action<Exception>? FailureObserver { get; set; }

        // The IDE keeps one analyzer instance across the compilations it makes as the user types: each project's
        // last analysis is kept here, so that the next one redoes only what the edit can have changed.
        private readonly PreviousAnalyses _previous = new PreviousAnalyses();

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.PackedBufferReachesDma, Descriptors.AnalysisBudgetExceeded, Descriptors.MappingErrorNotChecked, Descriptors.SleepInAtomicContext, Descriptors.FlagsChosenByInAtomic, Descriptors.CpuTouchesDeviceOwnedBuffer, Descriptors.MappingLifetimeBroken);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                // Nothing is looked up here: at compilation start the compiler has not yet bound its references or
                // declared the source's types, and the first symbol lookup would do that work for it, on this
                // analyzer's clock and ahead of every other analyzer. The first request finds the runtime's symbols
                // instead, when the compiler has done that work already.
                var cache = new ResultCache(start.Compilation, start.Options.AnalyzerConfigOptionsProvider, _previous);
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
        /// analysis itself. One request computes; the others do not spin on a lock (a spinning waiter took CPU from
        /// the analysis it waited for): they run items of the computation's parallel steps when it offers some (see
        /// <see cref="WorkBoard"/>), sleep otherwise, and are woken when relevance is known and when the result is. A
        /// cancelled computation is not stored, so the next request starts it again; an unexpected failure gives an
        /// empty result rather than an AD0001 that would hide every diagnostic.
        /// </summary>
        private sealed class ResultCache
        {
            private static readonly IReadOnlyList<Diagnostic> None = Array.Empty<Diagnostic>();

            // How often a waiting request looks for work on the board (the computation posts and clears steps).
            private const int HelpPollMilliseconds = 10;

            private readonly object _gate = new object();
            private readonly Compilation _compilation;
            private readonly AnalyzerConfigOptionsProvider _optionsProvider;
            private readonly PreviousAnalyses _previous;
            private CompilationFlow? _flow;
            private FlowDiagnostics? _result;

            // The computing request offers its parallel steps here; a waiting request runs their items instead of sleeping.
            private readonly WorkBoard _board = new WorkBoard();

            // Set while a request computes; signalled at the end of each step (a fresh one is made for the next).
            private ManualResetEventSlim? _working;

            public ResultCache(Compilation compilation, AnalyzerConfigOptionsProvider optionsProvider, PreviousAnalyses previous)
            {
                _compilation = compilation;
                _optionsProvider = optionsProvider;
                _previous = previous;
            }

            public IReadOnlyList<Diagnostic> For(SyntaxTree tree, CancellationToken cancellationToken)
            {
                while (true)
                {
                    ManualResetEventSlim? running;
                    lock (_gate)
                    {
                        if (_result != null)
                        {
                            return _result.For(tree);
                        }

                        if (_flow != null && !_flow.IsRelevantTree(tree))
                        {
                            return None;
                        }

                        running = _working;
                        if (running == null)
                        {
                            _working = new ManualResetEventSlim(initialState: false, spinCount: 1);
                        }
                    }

                    if (running == null)
                    {
                        Compute(tree, cancellationToken);
                    }
                    else
                    {
                        // Waiting, but helping: a step of the computation may have items to run.
                        while (!running.Wait(HelpPollMilliseconds, cancellationToken))
                        {
                            _board.Help(cancellationToken);
                        }
                    }
                }
            }

            private void Compute(SyntaxTree tree, CancellationToken cancellationToken)
            {
                try
                {
                    if (_flow == null)
                    {
                        var kernel = KernelSymbols.TryCreate(_compilation);
                        if (kernel == null)
                        {
                            // The compilation does not use the runtime: nothing to analyse, in any tree.
                            lock (_gate)
                            {
                                _result = FlowDiagnostics.Empty;
                            }

                            return;
                        }

                        var options = AnalysisOptions.Read(_optionsProvider, _compilation, kernel.ArchDmaMinAlign);
                        var flow = new CompilationFlow(_compilation, kernel, options, cancellationToken) { Previous = _previous.For(_compilation), Board = _board };
                        flow.FindRelevantBodies();
                        lock (_gate)
                        {
                            // Relevance is known: requests for other trees can be answered now.
                            _flow = flow;
                            var relevanceDone = _working!;
                            _working = new ManualResetEventSlim(initialState: false, spinCount: 1);
                            relevanceDone.Set();
                        }
                    }

                    if (!_flow.IsRelevantTree(tree))
                    {
                        // This request's tree has nothing to report. The flow is left to the first request for a
                        // relevant tree, so that a thread that only asked about other code (most of a library, a
                        // document the IDE shows) neither computes it nor waits for it.
                        return;
                    }

                    // A request cancelled during the flow leaves the relevance, which is complete; the next request
                    // runs the flow again from it (each run starts from fresh state).
                    _flow.CancellationToken = cancellationToken;
                    var result = FlowDiagnostics.Compute(_flow);
                    _previous.Keep(_compilation, PreviousAnalysis.Capture(_flow));
                    lock (_gate)
                    {
                        _result = result;
                    }
                }
                catch (OperationCanceledException)
                {
                    throw;
                }
                catch (Exception exception)
                {
                    FailureObserver?.Invoke(exception);
                    lock (_gate)
                    {
                        _result = FlowDiagnostics.Empty;
                    }
                }
                finally
                {
                    lock (_gate)
                    {
                        var working = _working;
                        _working = null;
                        working?.Set();
                    }
                }
            }
        }
    }
}
