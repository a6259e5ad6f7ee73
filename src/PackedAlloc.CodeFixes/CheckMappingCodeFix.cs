using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0003's fix: right after the statement that keeps a mapping in a local, field or property, an
    /// <c>if (dma_mapping_error(dev, addr)) { return …; }</c> that leaves the method the way its other failure paths
    /// do. Offered only where the mapping's result is kept and its device is one of the call's arguments.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CheckMappingCodeFix)), Shared]
    public sealed class CheckMappingCodeFix : InvocationCodeFix
    {
        public const string EquivalenceKey = "PA0003.CheckMapping";

        protected override string RuleId => Descriptors.MappingErrorNotCheckedId;

        protected override string Title => "Check the mapping with dma_mapping_error";

        protected override string Key => EquivalenceKey;

        internal override SyntaxNode? Fix(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            var check = CheckFor(model, call, cancellationToken);
            if (check == null)
            {
                return null;
            }

            var (statement, block, inserted) = check.Value;
            return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(statement) + 1, inserted)));
        }

        /// <summary>The statement that keeps the mapping, its block, and the check to insert after it; null where the fix does not fit.</summary>
        private static (StatementSyntax Statement, BlockSyntax Block, StatementSyntax Check)? CheckFor(
            SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            var (statement, kept) = KeptIn(invocation);
            if (statement?.Parent is not BlockSyntax block || kept == null)
            {
                return null;
            }

            var device = invocation.ArgumentList.Arguments.FirstOrDefault(a =>
                a.NameColon == null && model.GetTypeInfo(a.Expression, cancellationToken).Type is { Name: "Device" } type
                && type.ContainingNamespace?.ToDisplayString() == "PackedAlloc.Runtime");
            if (device == null)
            {
                return null;
            }

            if (statement.Ancestors().TakeWhile(n => n is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax
                or AccessorDeclarationSyntax)).Any(n => n is FinallyClauseSyntax))
            {
                // A finally clause cannot be left by a return (CS0157).
                return null;
            }

            var failure = FailureReturn(model, statement, cancellationToken);
            if (failure == null)
            {
                return null;
            }

            string function = KernelName(model, statement.SpanStart, "dma_mapping_error");
            string text = "if (" + function + "(" + device.Expression.WithoutTrivia().ToString() + ", " + kept.WithoutTrivia().ToString() + "))\n{\n    " + failure + "\n}";
            var newLine = SyntaxFactory.EndOfLine(statement.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } eol ? eol : "\n");
            var check = SyntaxFactory.ParseStatement(text)
                .WithTrailingTrivia(block.Statements.Last() == statement ? new[] { newLine } : new[] { newLine, newLine })  // a blank line before the code that goes on
                .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);
            return (statement, block, check);
        }

        /// <summary><c>var addr = map(…);</c>, <c>addr = map(…);</c>, <c>_rx = map(…);</c>: the statement and what the mapping is kept in.</summary>
        internal static (StatementSyntax? Statement, ExpressionSyntax? Kept) KeptIn(InvocationExpressionSyntax invocation)
        {
            SyntaxNode node = invocation;
            while (node.Parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
            {
                node = node.Parent;
            }

            switch (node.Parent)
            {
                case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                    when declarator.Parent?.Parent is LocalDeclarationStatementSyntax declaration && declaration.Declaration.Variables.Count == 1:
                    return (declaration, SyntaxFactory.IdentifierName(declarator.Identifier.ValueText));
                case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax assignmentStatement } assignment
                    when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == node:
                    return (assignmentStatement, assignment.Left);
                default:
                    return (null, null);
            }
        }

        /// <summary>
        /// The statement that leaves the method on failure: what another <c>return</c> of the method gives for one
        /// (a negative errno, <c>false</c>, <c>null</c>, <c>default</c>, <c>DMA_MAPPING_ERROR</c>), or else what
        /// the return type says (nothing for void, false, null, DMA_MAPPING_ERROR, default).
        /// </summary>
        private static string? FailureReturn(SemanticModel model, StatementSyntax statement, CancellationToken cancellationToken)
        {
            var function = statement.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax
                or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax);
            if (function == null)
            {
                return null;
            }

            var symbol = (function is AnonymousFunctionExpressionSyntax
                ? model.GetSymbolInfo(function, cancellationToken).Symbol
                : model.GetDeclaredSymbol(function, cancellationToken)) as IMethodSymbol;
            if (symbol == null || function.DescendantNodes().OfType<YieldStatementSyntax>().Any())
            {
                // An iterator leaves with yield break; not worth a guess.
                return null;
            }

            var returnType = symbol.ReturnType;
            if (symbol.IsAsync)
            {
                if (returnType is INamedTypeSymbol { IsGenericType: true } task)
                {
                    returnType = task.TypeArguments[0];
                }
                else
                {
                    return "return;";
                }
            }

            if (symbol.ReturnsVoid || symbol.MethodKind == MethodKind.Constructor)
            {
                return "return;";
            }

            var other = function.DescendantNodes().OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression != null && r.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax
                    or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax) == function)
                .Select(r => r.Expression!)
                .FirstOrDefault(LooksLikeFailure);
            if (other != null)
            {
                return "return " + other.WithoutTrivia().ToString() + ";";
            }

            if (returnType.SpecialType == SpecialType.System_Boolean) return "return false;";
            if (returnType.Name == "DmaAddr" && returnType.ContainingNamespace?.ToDisplayString() == "PackedAlloc.Runtime")
            {
                return "return " + KernelName(model, statement.SpanStart, "DMA_MAPPING_ERROR") + ";";
            }

            if (returnType.IsReferenceType || returnType.NullableAnnotation == NullableAnnotation.Annotated) return "return null;";
            return "return default;";
        }

        private static bool LooksLikeFailure(ExpressionSyntax expression) => expression switch
        {
            PrefixUnaryExpressionSyntax unary => unary.IsKind(SyntaxKind.UnaryMinusExpression),
            LiteralExpressionSyntax literal => literal.IsKind(SyntaxKind.FalseLiteralExpression) || literal.IsKind(SyntaxKind.NullLiteralExpression)
                || literal.IsKind(SyntaxKind.DefaultLiteralExpression),
            DefaultExpressionSyntax => true,
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText == "DMA_MAPPING_ERROR",
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText == "DMA_MAPPING_ERROR",
            _ => false,
        };

        /// <summary>A Kernel member as the code can name it here: bare under <c>using static</c>, otherwise qualified (and simplified).</summary>
        internal static string KernelName(SemanticModel model, int position, string name) =>
            model.LookupSymbols(position, name: name).Any(s => s.ContainingType?.ToDisplayString() == "PackedAlloc.Runtime.Kernel")
                ? name
                : "global::PackedAlloc.Runtime.Kernel." + name;
    }
}
