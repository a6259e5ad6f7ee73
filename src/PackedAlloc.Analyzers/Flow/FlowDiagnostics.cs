using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>The diagnostics of one compilation, computed once (on the first request) and handed out per syntax tree.</summary>
    internal sealed class FlowDiagnostics
    {
        private readonly Dictionary<SyntaxTree, List<Diagnostic>> _byTree;

        private FlowDiagnostics(Dictionary<SyntaxTree, List<Diagnostic>> byTree, long totalSteps)
        {
            _byTree = byTree;
            TotalSteps = totalSteps;
        }

        public static FlowDiagnostics Empty { get; } = new FlowDiagnostics(new Dictionary<SyntaxTree, List<Diagnostic>>(), 0);

        public long TotalSteps { get; }

        public IReadOnlyList<Diagnostic> For(SyntaxTree tree) =>
            _byTree.TryGetValue(tree, out var list) ? list : (IReadOnlyList<Diagnostic>)System.Array.Empty<Diagnostic>();

        public IEnumerable<Diagnostic> All => _byTree.Values.SelectMany(d => d);

        public static FlowDiagnostics Compute(Compilation compilation, KernelSymbols kernel, AnalysisOptions options, CancellationToken cancellationToken) =>
            Compute(new CompilationFlow(compilation, kernel, options, cancellationToken));

        public static FlowDiagnostics Compute(CompilationFlow flow)
        {
            flow.Run();
            var byTree = new Dictionary<SyntaxTree, List<Diagnostic>>();
            void Add(Diagnostic diagnostic)
            {
                var tree = diagnostic.Location.SourceTree;
                if (tree == null) return;
                if (!byTree.TryGetValue(tree, out var list)) byTree[tree] = list = new List<Diagnostic>();
                list.Add(diagnostic);
            }

            // Each rule turns its own findings into diagnostics; the engine only orders them.
            foreach (var finding in flow.Findings
                .OrderBy(f => f.Location.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(f => f.Location.SourceSpan.Start)
                .ThenBy(f => f.RuleId, System.StringComparer.Ordinal)
                .ThenBy(f => f.Key.Second.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(f => f.Key.Second.SourceSpan.Start))
            {
                Add(finding switch
                {
                    SinkHit hit => Rules.PackedBufferReachesDma.Report(hit),
                    HandleUse use => Rules.MappingErrorNotChecked.Report(use),
                    BrokenLifetime lifetime => Rules.MappingLifetimeBroken.Report(lifetime),
                    SleepInAtomic sleep => Rules.SleepInAtomicContext.Report(sleep),
                    FlagsByInAtomic choice => Rules.FlagsChosenByInAtomic.Report(choice),
                    CpuTouchesDeviceBuffer touch => Rules.CpuTouchesDeviceOwnedBuffer.Report(touch),
                    _ => throw new System.InvalidOperationException("A finding no rule reports: " + finding.GetType().Name),
                });
            }

            foreach (var (body, reason) in flow.OverBudget.OrderBy(b => b.Body.Order))
            {
                Add(Diagnostic.Create(Descriptors.AnalysisBudgetExceeded, body.ReportLocation,
                    body.Owner.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), reason));
            }

            if (flow.UncheckedRoots.Count > 0)
            {
                // One notice for the whole compilation, at the first method left unchecked, naming how many more.
                var first = flow.UncheckedRoots[0];
                string name = first.Owner.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
                if (flow.UncheckedRoots.Count > 1)
                {
                    name += string.Format(CultureInfo.InvariantCulture, "' and {0} other method(s) after it, '", flow.UncheckedRoots.Count - 1);
                    name += flow.UncheckedRoots[flow.UncheckedRoots.Count - 1].Owner.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
                }

                Add(Diagnostic.Create(Descriptors.AnalysisBudgetExceeded, first.ReportLocation, name,
                    string.Format(CultureInfo.InvariantCulture, "{0} steps, the budget of the whole compilation, {1}", flow.StepBudget, AnalysisOptions.MaxTotalStepsName)));
            }

            return new FlowDiagnostics(byTree, flow.TotalSteps);
        }

        /// <summary>"File.cs:12": where a finding's other end is, for a message.</summary>
        public static string Describe(Location location)
        {
            var span = location.GetLineSpan();
            return Path.GetFileName(span.Path) + ":" + (span.StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// For the remove-<c>__GFP_PACKED</c> fix: whether removing the flag written at a place would also change
    /// another allocation than the one a diagnostic is about. That takes the whole compilation's flow, so it is
    /// computed on request, once per compilation, and only when a fix is asked for.
    /// </summary>
    public static class FlagSiteUse
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, CompilationFlow> Flows =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, CompilationFlow>();

        /// <summary>Whether the flag written at <paramref name="flagSite"/> makes more than one allocation packed.</summary>
        public static bool IsShared(Compilation compilation, Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider options, Location flagSite, CancellationToken cancellationToken)
        {
            var flow = Flows.GetValue(compilation, c =>
            {
                var kernel = KernelSymbols.TryCreate(c);
                if (kernel == null)
                {
                    return null!;
                }

                var created = new CompilationFlow(c, kernel, AnalysisOptions.Read(options, c, kernel.ArchDmaMinAlign), cancellationToken);
                created.Run();
                return created;
            });
            return flow != null && flow.FlagSiteShared(flagSite);
        }

        /// <summary>Whether <paramref name="symbol"/> is the runtime's <c>__GFP_PACKED</c>, as the analysis recognises it where the flag is written.</summary>
        public static bool IsPackedFlag(Compilation compilation, ISymbol? symbol) =>
            symbol != null && KernelSymbols.TryCreate(compilation)?.IsGfpPackedField(symbol) == true;
    }
}
