using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>
    /// PA0007: a mapping's lifetime is broken (the flow's <see cref="BrokenLifetime"/>s): not unmapped on a way out of
    /// the method that owns it, or unmapped or synced with another size or direction than it was mapped with.
    /// </summary>
    internal static class MappingLifetimeBroken
    {
        public static Diagnostic Report(BrokenLifetime finding)
        {
            var mapping = finding.Mapping;
            return Diagnostic.Create(Descriptors.MappingLifetimeBroken, finding.At,
                finding.At == mapping.Site ? System.Array.Empty<Location>() : new[] { mapping.Site },
                mapping.Allocator, FlowDiagnostics.Describe(mapping.Site), finding.Detail);
        }
    }
}
