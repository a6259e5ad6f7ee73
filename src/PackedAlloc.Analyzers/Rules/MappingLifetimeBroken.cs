using System.Collections.Immutable;
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
        /// <summary>The property that names, for a mismatch, the parameter whose argument differs ("size" or "dir"): what the fix rewrites.</summary>
        public const string ArgumentProperty = "argument";

        public static Diagnostic Report(BrokenLifetime finding)
        {
            var mapping = finding.Mapping;
            string? argument = finding.Defect switch
            {
                LifetimeDefect.UnmapSize or LifetimeDefect.SyncSize => "size",
                LifetimeDefect.UnmapDirection or LifetimeDefect.SyncDirection => "dir",
                _ => null,
            };
            // An unmap of an address no mapping returned has no mapping to name.
            string message = finding.Defect == LifetimeDefect.NeverMapped
                ? finding.Detail
                : $"The mapping made by '{mapping.Allocator}' at {FlowDiagnostics.Describe(mapping.Site)} {finding.Detail}";
            return Diagnostic.Create(Descriptors.MappingLifetimeBroken, finding.At,
                finding.At == mapping.Site ? System.Array.Empty<Location>() : new[] { mapping.Site },
                argument == null ? null : ImmutableDictionary<string, string?>.Empty.Add(ArgumentProperty, argument),
                message);
        }
    }
}
