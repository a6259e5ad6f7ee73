using System.Collections.Generic;
using System.Globalization;
using System.Collections.Immutable;
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

            foreach (var hit in flow.Hits
                .OrderBy(h => h.Sink.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(h => h.Sink.SourceSpan.Start)
                .ThenBy(h => h.Origin.Site.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(h => h.Origin.Site.SourceSpan.Start))
            {
                Add(CreateDiagnostic(hit, flow.FlagSitesShared(hit.Origin)));
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

        /// <summary>
        /// The sink carries the diagnostic; the additional locations are the allocation, the places where the
        /// __GFP_PACKED flag was written (counted by the property "flagSites", for the code fix), then the route.
        /// </summary>
        private static Diagnostic CreateDiagnostic(SinkHit hit, bool flagSitesShared)
        {
            var origin = hit.Origin;
            var additional = new List<Location> { origin.Site };
            additional.AddRange(origin.FlagSites);
            additional.AddRange(origin.Steps.Where(s => s != hit.Sink));
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(PropertyNames.FlagSiteCount, origin.FlagSites.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add(PropertyNames.FlagSitesShared, flagSitesShared ? "true" : "false");
            return Diagnostic.Create(Descriptors.PackedBufferReachesDma, hit.Sink, additional, properties,
                origin.Allocator, Describe(origin.Site), hit.SinkName);
        }

        private static string Describe(Location location)
        {
            var span = location.GetLineSpan();
            return Path.GetFileName(span.Path) + ":" + (span.StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Names of the properties PA0001 diagnostics carry for code fixes.</summary>
    public static class PropertyNames
    {
        /// <summary>How many of the additional locations, after the allocation site, are __GFP_PACKED references.</summary>
        public const string FlagSiteCount = "flagSites";

        /// <summary>"true" when one of those __GFP_PACKED references also makes another allocation packed.</summary>
        public const string FlagSitesShared = "flagSitesShared";
    }
}
