using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>
    /// PA0003: a mapping's result is used before it is checked for an error (the flow's <see cref="HandleUse"/>s that
    /// are left at a root). The diagnostic sits on the mapping call, or on the call of the helper that returned the
    /// mapping; its additional location is the first use found.
    /// </summary>
    internal static class MappingErrorNotChecked
    {
        public static Diagnostic Report(HandleUse use)
        {
            var handle = use.Handle;
            bool stored = use.Kind == HandleUseKind.Escape;
            string reached = stored ? "a store to '" + use.What + "'" : "'" + use.What + "'";
            string check = (handle.Kind == OriginKind.MappingCount ? "a check against 0" : "a dma_mapping_error() check")
                + (stored ? " before the method returns" : "");
            return Diagnostic.Create(Descriptors.MappingErrorNotChecked, handle.Site, new[] { use.At },
                handle.Allocator, reached, FlowDiagnostics.Describe(use.At), check);
        }
    }
}
