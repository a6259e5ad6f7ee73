using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>One executable body of the compilation: a method, accessor, constructor, operator, field or
    /// property initializer, or the top-level statements.</summary>
    internal sealed class BodyInfo
    {
        private readonly SemanticModel _model;
        private ControlFlowGraph? _graph;
        private bool _graphFailed;

        public BodyInfo(ISymbol owner, SyntaxNode node, IOperation operation, SemanticModel model, int order)
        {
            Owner = owner;
            Node = node;
            Operation = operation;
            _model = model;
            Order = order;
        }

        /// <summary>The method (or, for an initializer, the field or property) the body belongs to.</summary>
        public ISymbol Owner { get; }
        public SyntaxNode Node { get; }
        public IOperation Operation { get; }

        /// <summary>Position in source order: roots are analysed in this order, so results are deterministic.</summary>
        public int Order { get; }

        public bool IsInitializer => Owner is not IMethodSymbol;

        /// <summary>Some other body of the compilation calls this one.</summary>
        public bool HasCallers { get; set; }

        /// <summary>The body, or one it (transitively) calls, uses the runtime's Kernel API.</summary>
        public bool ReachesKernel { get; set; }

        public List<BodyInfo> Callees { get; } = new List<BodyInfo>();

        public IMethodSymbol? Method => Owner as IMethodSymbol;

        /// <summary>The control flow graph, built on first use; null for code Roslyn cannot build one for (broken code).</summary>
        public ControlFlowGraph? GetGraph(CancellationToken cancellationToken)
        {
            if (_graph == null && !_graphFailed)
            {
                try
                {
                    _graph = ControlFlowGraph.Create(Node, _model, cancellationToken);
                }
                catch (System.ArgumentException)
                {
                    _graphFailed = true;
                }

                _graphFailed |= _graph == null;
            }

            return _graph;
        }

        public Location ReportLocation => Owner.Locations.Length > 0 ? Owner.Locations[0] : Node.GetLocation();
    }
}
