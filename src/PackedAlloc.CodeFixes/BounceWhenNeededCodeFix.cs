using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0001 fix 3: the mapping bounces only when the kernel would, the shape dma-direct uses:
    /// <c>dma_kmalloc_needs_bounce(dev, n, dir) ? swiotlb_map(dev, virt_to_phys(p), n, dir, 0) : dma_map_single(dev, p, n, dir)</c>.
    /// Offered only when the arguments can be repeated without changing behaviour.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BounceWhenNeededCodeFix)), Shared]
    public sealed class BounceWhenNeededCodeFix : MappingRewriteCodeFix
    {
        public const string EquivalenceKey = "PA0001.BounceWhenNeeded";

        protected override string Title => "Bounce through the swiotlb only when needed";

        protected override string Key => EquivalenceKey;

        internal override ExpressionSyntax? Rewrite(MappingCall call) =>
            !call.ArgumentsAreRepeatable()
                ? null
                : SyntaxFactory.ParenthesizedExpression(
                        SyntaxFactory.ConditionalExpression(call.NeedsBounce(), call.SwiotlbMap(), call.Invocation.WithoutTrivia()))
                    .WithTriviaFrom(call.Invocation)
                    .WithAdditionalAnnotations(Simplifier.Annotation);
    }
}
