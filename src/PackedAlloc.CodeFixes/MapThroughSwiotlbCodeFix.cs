using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>PA0001 fix 2: <c>dma_map_single(dev, p, n, dir)</c> becomes <c>swiotlb_map(dev, virt_to_phys(p), n, dir, 0)</c>.
    /// The matching dma_unmap_single stays: unmap finds a bounced mapping by itself.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(MapThroughSwiotlbCodeFix)), Shared]
    public sealed class MapThroughSwiotlbCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PA0001.MapThroughSwiotlb";

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
                if (call == null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Map through the swiotlb bounce buffer",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call.Invocation, call.SwiotlbMap().WithTriviaFrom(call.Invocation)))),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
