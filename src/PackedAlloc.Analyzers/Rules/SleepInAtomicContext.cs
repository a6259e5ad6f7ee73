using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>PA0004: a call that may sleep, made in an atomic section (the flow's <see cref="SleepInAtomic"/>s). On the sleeping call; the section's opening is the additional location.</summary>
    internal static class SleepInAtomicContext
    {
        public static Diagnostic Report(SleepInAtomic finding)
        {
            var section = finding.Section!;
            return Diagnostic.Create(Descriptors.SleepInAtomicContext, finding.Sleep, new[] { section.Site },
                finding.Function, finding.Why, section.Allocator, FlowDiagnostics.Describe(section.Site));
        }
    }
}
