using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Simplification;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0001 fix 3: the mapping bounces only when the kernel would, the shape dma-direct uses:
    /// <c>dma_kmalloc_needs_bounce(dev, n, dir) ? swiotlb_map(dev, virt_to_phys(p), n, dir, 0) : dma_map_single(dev, p, n, dir)</c>.
    /// Offered only when the arguments can be repeated without changing behaviour.
    /// </summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(BounceWhenNeededCodeFix)), Shared]
    public sealed class BounceWhenNeededCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PA0001.BounceWhenNeeded";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.PackedBufferReachesDmaId);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                var call = MappingCall.Find(root, diagnostic.Location.SourceSpan);
                if (call == null || !call.ArgumentsAreRepeatable())
                {
                    continue;
                }

                var conditional = SyntaxFactory.ParenthesizedExpression(
                        SyntaxFactory.ConditionalExpression(call.NeedsBounce(), call.SwiotlbMap(), call.Invocation.WithoutTrivia()))
                    .WithTriviaFrom(call.Invocation)
                    .WithAdditionalAnnotations(Simplifier.Annotation);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Bounce through the swiotlb only when needed",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call.Invocation, conditional))),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
