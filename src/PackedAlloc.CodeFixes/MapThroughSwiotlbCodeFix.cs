using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PackedAlloc.CodeFixes
{
    /// <summary>PA0001 fix 2: <c>dma_map_single(dev, p, n, dir)</c> becomes <c>swiotlb_map(dev, virt_to_phys(p), n, dir, 0)</c>.
    /// The matching dma_unmap_single stays: unmap finds a bounced mapping by itself.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(MapThroughSwiotlbCodeFix)), Shared]
    public sealed class MapThroughSwiotlbCodeFix : MappingRewriteCodeFix
    {
        public const string EquivalenceKey = "PA0001.MapThroughSwiotlb";

        protected override string Title => "Map through the swiotlb bounce buffer";

        protected override string Key => EquivalenceKey;

        internal override ExpressionSyntax? Rewrite(MappingCall call) => call.SwiotlbMap().WithTriviaFrom(call.Invocation);
    }
}
