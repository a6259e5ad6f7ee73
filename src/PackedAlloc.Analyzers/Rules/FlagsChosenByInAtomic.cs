using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>PA0005: GFP flags chosen by <c>in_atomic()</c> (the flow's <see cref="FlagsByInAtomic"/>s). On the <c>in_atomic()</c> call; the allocation is the additional location.</summary>
    internal static class FlagsChosenByInAtomic
    {
        public static Diagnostic Report(FlagsByInAtomic finding) =>
            Diagnostic.Create(Descriptors.FlagsChosenByInAtomic, finding.Query.Site, new[] { finding.Allocation },
                finding.Allocator, FlowDiagnostics.Describe(finding.Allocation));
    }
}
