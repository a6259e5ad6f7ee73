using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0004's fix: in the sleeping allocation's flags argument, the sleeping base flags (GFP_KERNEL, GFP_NOIO,
    /// GFP_NOFS) become GFP_ATOMIC, the other flags stay. Offered when the argument names one of them.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseGfpAtomicCodeFix)), Shared]
    public sealed class UseGfpAtomicCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PA0004.UseGfpAtomic";

        private static readonly ImmutableHashSet<string> SleepingBases = ImmutableHashSet.Create("GFP_KERNEL", "GFP_NOIO", "GFP_NOFS");

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.SleepInAtomicContextId);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                var invocation = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
                if (invocation == null || model.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation call)
                {
                    continue;
                }

                var flags = call.Arguments.FirstOrDefault(a => !a.IsImplicit && a.Parameter?.Type.Name == "GfpFlags")?.Syntax as ArgumentSyntax;
                var sleeping = flags?.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Where(n => SleepingBases.Contains(n.Identifier.ValueText)
                        && model.GetSymbolInfo(n, context.CancellationToken).Symbol?.ContainingType?.ToDisplayString() == "PackedAlloc.Runtime.Kernel")
                    .ToList();
                if (sleeping == null || sleeping.Count == 0)
                {
                    continue;
                }

                var fixedRoot = root.ReplaceNodes(sleeping, (original, _) =>
                    original.WithIdentifier(SyntaxFactory.Identifier(original.Identifier.LeadingTrivia, "GFP_ATOMIC", original.Identifier.TrailingTrivia)));
                context.RegisterCodeFix(
                    CodeAction.Create("Use GFP_ATOMIC", _ => Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot)), EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
