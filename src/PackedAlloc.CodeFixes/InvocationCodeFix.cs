using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// The shared shape of the fixes whose diagnostic sits on a call (PA0003's mapping, PA0004's allocation, PA0007's
    /// unmap): find the call, ask the fix for the document's new root, offer it once per diagnostic (Fix All batches
    /// them).
    /// </summary>
    public abstract class InvocationCodeFix : CodeFixProvider
    {
        protected abstract string RuleId { get; }

        protected abstract string Title { get; }

        protected abstract string Key { get; }

        public sealed override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleId);

        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <summary>The fixed root, or null where the fix does not fit this call.</summary>
        internal abstract SyntaxNode? Fix(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, InvocationExpressionSyntax call, CancellationToken cancellationToken);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
                var fixedRoot = call == null ? null : Fix(root, model, diagnostic, call, context.CancellationToken);
                if (fixedRoot != null)
                {
                    context.RegisterCodeFix(CodeAction.Create(Title, _ => Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot)), Key), diagnostic);
                }
            }
        }
    }
}
