using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using PackedAlloc.Analyzers;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0001 fix 1: remove <c>__GFP_PACKED</c> where it was written, in whatever method or file that is: drop it
    /// from a <c>|</c> expression, or remove the <c>flags |= __GFP_PACKED;</c> statement that introduced it. The
    /// analyzer passes the places as additional locations; the fix is offered only when every one of them can be
    /// edited and none of them also makes another allocation packed (the edit would change that one too).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemovePackedFlagCodeFix)), Shared]
    public sealed class RemovePackedFlagCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PA0001.RemovePackedFlag";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.PackedBufferReachesDmaId);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                var sites = await FlagSitesAsync(context, diagnostic).ConfigureAwait(false);
                if (sites.IsEmpty)
                {
                    continue;
                }

                var edits = new List<(Document Document, FlagEdit Edit)>();
                foreach (var site in sites)
                {
                    var document = context.Document.Project.Solution.GetDocument(site.SourceTree);
                    var root = document == null ? null : await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                    var edit = root == null ? null : FlagEdit.For(root, site);
                    if (edit == null)
                    {
                        edits.Clear();
                        break;
                    }

                    edits.Add((document!, edit));
                }

                if (edits.Count == 0)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create("Remove __GFP_PACKED from the allocation", token => ApplyAsync(context.Document.Project.Solution, edits, token), EquivalenceKey),
                    diagnostic);
            }
        }

        /// <summary>
        /// The places where __GFP_PACKED was written: the additional locations right after the allocation that are a
        /// reference to the flag (the route that follows is made of buffer values, never the flag). Empty when one of
        /// them also makes another allocation packed, since removing it there would change that one too.
        /// </summary>
        private static async Task<ImmutableArray<Location>> FlagSitesAsync(CodeFixContext context, Diagnostic diagnostic)
        {
            var sites = ImmutableArray.CreateBuilder<Location>();
            foreach (var location in diagnostic.AdditionalLocations.Skip(1))
            {
                var document = location.IsInSource ? context.Document.Project.Solution.GetDocument(location.SourceTree) : null;
                var model = document == null ? null : await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
                var root = document == null ? null : await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                var node = root?.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
                if (model == null || node == null || !FlagSiteUse.IsPackedFlag(model.Compilation, model.GetSymbolInfo(node, context.CancellationToken).Symbol))
                {
                    break;
                }

                sites.Add(location);
            }

            if (sites.Count == 0)
            {
                return ImmutableArray<Location>.Empty;
            }

            var compilation = await context.Document.Project.GetCompilationAsync(context.CancellationToken).ConfigureAwait(false);
            var options = context.Document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider;
            foreach (var site in sites)
            {
                if (compilation == null || FlagSiteUse.IsShared(compilation, options, site, context.CancellationToken))
                {
                    return ImmutableArray<Location>.Empty;
                }
            }

            return sites.ToImmutable();
        }

        private static async Task<Solution> ApplyAsync(Solution solution, List<(Document Document, FlagEdit Edit)> edits, CancellationToken cancellationToken)
        {
            foreach (var group in edits.GroupBy(e => e.Document.Id))
            {
                var document = solution.GetDocument(group.Key)!;
                var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
                foreach (var (_, edit) in group)
                {
                    edit.Apply(editor);
                }

                solution = editor.GetChangedDocument().Project.Solution;
            }

            return solution;
        }

        /// <summary>One edit that takes a written <c>__GFP_PACKED</c> out.</summary>
        private sealed class FlagEdit
        {
            private readonly SyntaxNode _target;
            private readonly SyntaxNode? _replacement;

            private FlagEdit(SyntaxNode target, SyntaxNode? replacement)
            {
                _target = target;
                _replacement = replacement;
            }

            public static FlagEdit? For(SyntaxNode root, Location site)
            {
                var flag = root.FindNode(site.SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax;
                if (flag == null)
                {
                    return null;
                }

                // The flag may be parenthesized: (__GFP_PACKED).
                SyntaxNode operand = flag;
                while (operand.Parent is ParenthesizedExpressionSyntax parenthesized)
                {
                    operand = parenthesized;
                }

                switch (operand.Parent)
                {
                    case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.BitwiseOrExpression):
                        {
                            // GFP_KERNEL | __GFP_PACKED  →  GFP_KERNEL
                            var other = binary.Left == operand ? binary.Right : binary.Left;
                            return new FlagEdit(binary, other.WithTriviaFrom(binary));
                        }

                    case AssignmentExpressionSyntax assignment when assignment.IsKind(SyntaxKind.OrAssignmentExpression) && assignment.Right == operand:
                        return StatementRemoval(assignment);

                    case ArgumentSyntax:
                        // kmalloc(24, __GFP_PACKED)  →  kmalloc(24, 0): the same flags without the packed bit.
                        return new FlagEdit(operand, SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0)).WithTriviaFrom(operand));

                    default:
                        return null;
                }
            }

            /// <summary><c>flags |= __GFP_PACKED;</c> goes, and with it an <c>if</c> that did nothing else.</summary>
            private static FlagEdit? StatementRemoval(AssignmentExpressionSyntax assignment)
            {
                if (assignment.Parent is not ExpressionStatementSyntax statement)
                {
                    return null;
                }

                switch (statement.Parent)
                {
                    case BlockSyntax:
                        return new FlagEdit(statement, null);
                    case IfStatementSyntax { Else: null } ifStatement when IsSideEffectFree(ifStatement.Condition):
                        return ifStatement.Parent is BlockSyntax ? new FlagEdit(ifStatement, null) : null;
                    default:
                        return null;
                }
            }

            private static bool IsSideEffectFree(ExpressionSyntax condition) =>
                !condition.DescendantNodesAndSelf().Any(n => n is InvocationExpressionSyntax || n is AssignmentExpressionSyntax
                    || n is PostfixUnaryExpressionSyntax || n.IsKind(SyntaxKind.PreIncrementExpression) || n.IsKind(SyntaxKind.PreDecrementExpression)
                    || n is ObjectCreationExpressionSyntax || n is AwaitExpressionSyntax);

            public void Apply(DocumentEditor editor)
            {
                if (_replacement == null)
                {
                    // Keep comments and directives written around the statement; drop its bare indentation and line end.
                    bool hasComments = _target.GetLeadingTrivia().Concat(_target.GetTrailingTrivia())
                        .Any(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia));
                    editor.RemoveNode(_target, (hasComments ? SyntaxRemoveOptions.KeepExteriorTrivia : SyntaxRemoveOptions.KeepNoTrivia) | SyntaxRemoveOptions.KeepDirectives);
                }
                else
                {
                    editor.ReplaceNode(_target, _replacement);
                }
            }
        }
    }
}
