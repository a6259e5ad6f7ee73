using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0006's fix: <c>dma_sync_single_for_cpu(dev, addr, size, dir);</c> before the statement that touches the
    /// buffer, with the device, size and direction of the mapping (the diagnostic's additional location) and the
    /// variable it was kept in. Offered when the mapping is kept in a local, field or property and its arguments can
    /// be written again (names, constants, member reads).
    /// </summary>
    [System.Composition.Shared]
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SyncForCpuCodeFix))]
    public sealed class SyncForCpuCodeFix : InvocationCodeFix
    {
        public const string EquivalenceKey = "PA0006.SyncForCpu";

        protected override string RuleId => Descriptors.CpuTouchesDeviceBufferId;

        protected override string Title => "Sync the buffer for the CPU first";

        protected override string Key => EquivalenceKey;

        internal override SyntaxNode? Fix(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, InvocationExpressionSyntax access, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0 || diagnostic.AdditionalLocations[0].SourceTree != root.SyntaxTree)
            {
                return null;
            }

            var mapping = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var statement = access.FirstAncestorOrSelf<StatementSyntax>();
            if (mapping == null || statement?.Parent is not BlockSyntax block
                || model.GetOperation(mapping, cancellationToken) is not IInvocationOperation mapCall)
            {
                return null;
            }

            // A free needs the unmap, not a sync: that is the driver's to write.
            if (model.GetOperation(access, cancellationToken) is IInvocationOperation { TargetMethod.Name: "kfree" })
            {
                return null;
            }

            var (mappingStatement, kept) = CheckMappingCodeFix.KeptIn(mapping);
            if (mappingStatement is LocalDeclarationStatementSyntax && !statement.Ancestors().Contains(mappingStatement.Parent))
            {
                // The local the mapping was declared in is out of scope where the buffer is touched.
                return null;
            }

            var device = Argument(mapCall, "dev");
            var size = Argument(mapCall, "size");
            var direction = Argument(mapCall, "dir");
            if (kept == null || device == null || size == null || direction == null)
            {
                return null;
            }

            string function = CheckMappingCodeFix.KernelName(model, statement.SpanStart, "dma_sync_single_for_cpu");
            // The sync takes the statement's place, blank line and comments included; the statement follows it.
            var sync = SyntaxFactory.ParseStatement($"{function}({device}, {kept.WithoutTrivia()}, {size}, {direction});\n")
                .WithLeadingTrivia(statement.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);
            var touched = statement.WithLeadingTrivia(statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
            int index = block.Statements.IndexOf(statement);
            return root.ReplaceNode(block, block.WithStatements(block.Statements.RemoveAt(index).Insert(index, touched).Insert(index, sync)));
        }

        /// <summary>The mapping call's argument for a parameter, as text, when writing it again means the same.</summary>
        private static string? Argument(IInvocationOperation call, string parameterName)
        {
            var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameterName && !a.IsImplicit);
            return argument?.Syntax is ArgumentSyntax syntax && IsRepeatable(syntax.Expression) ? syntax.Expression.WithoutTrivia().ToString() : null;
        }

        private static bool IsRepeatable(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax or LiteralExpressionSyntax or ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsRepeatable(member.Expression),
            ParenthesizedExpressionSyntax parenthesized => IsRepeatable(parenthesized.Expression),
            _ => false,
        };
    }
}
