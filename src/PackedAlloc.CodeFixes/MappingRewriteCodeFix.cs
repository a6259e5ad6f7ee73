using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>The shared shape of the fixes that rewrite the mapping call itself: find it, ask for its replacement.</summary>
    public abstract class MappingRewriteCodeFix : CodeFixProvider
    {
        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.PackedBufferReachesDmaId);

        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        protected abstract string Title { get; }

        protected abstract string Key { get; }

        /// <summary>The expression that replaces the call, or null when this fix does not fit it.</summary>
        internal abstract ExpressionSyntax? Rewrite(MappingCall call);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                var call = MappingCall.Find(root, diagnostic.Location.SourceSpan);
                var replacement = call == null ? null : Rewrite(call);
                if (call == null || replacement == null)
                {
                    continue;
                }

                var fixedRoot = call.Invocation.Parent is ExpressionStatementSyntax statement && Unparenthesized(replacement) is ConditionalExpressionSyntax choice
                    ? root.ReplaceNode(statement, AsIfElse(statement, choice))
                    : root.ReplaceNode(call.Invocation, replacement);
                context.RegisterCodeFix(CodeAction.Create(Title, _ => Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot)), Key), diagnostic);
            }
        }

        /// <summary>
        /// A mapping whose result is dropped is a statement, where a conditional expression cannot stand (CS0201): the
        /// choice becomes an if/else of the two calls, keeping the statement's comments.
        /// </summary>
        private static StatementSyntax AsIfElse(ExpressionStatementSyntax statement, ConditionalExpressionSyntax choice) =>
            SyntaxFactory.IfStatement(
                    choice.Condition.WithoutTrivia(),
                    SyntaxFactory.ExpressionStatement(choice.WhenTrue.WithoutTrivia()),
                    SyntaxFactory.ElseClause(SyntaxFactory.ExpressionStatement(choice.WhenFalse.WithoutTrivia())))
                .WithLeadingTrivia(statement.GetLeadingTrivia())
                .WithTrailingTrivia(statement.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);

        private static ExpressionSyntax Unparenthesized(ExpressionSyntax expression) =>
            expression is ParenthesizedExpressionSyntax parenthesized ? Unparenthesized(parenthesized.Expression) : expression;
    }
}
