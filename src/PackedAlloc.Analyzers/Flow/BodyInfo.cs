using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>One executable body of the compilation: a method, accessor, constructor, operator, field or
    /// property initializer, or the top-level statements. It is bound only when the analysis needs it.</summary>
    internal sealed class BodyInfo
    {
        private readonly SemanticModel _model;
        private readonly object _gate = new object();
        private IOperation? _operation;
        private volatile bool _bound;
        private volatile ControlFlowGraph? _graph;
        private bool _graphFailed;

        public BodyInfo(ISymbol owner, SyntaxNode node, SemanticModel model, int order)
        {
            Owner = owner;
            Node = node;
            _model = model;
            Order = order;
        }

        /// <summary>The method (or, for an initializer, the field or property) the body belongs to.</summary>
        public ISymbol Owner { get; }
        public SyntaxNode Node { get; }

        /// <summary>Position in source order: roots are analysed in this order, so results are deterministic.</summary>
        public int Order { get; }

        public bool IsInitializer => Owner is not IMethodSymbol;

        /// <summary>Whether the body has been bound (<see cref="GetOperation"/> was called).</summary>
        public bool IsBound => _bound;

        /// <summary>Some other relevant body of the compilation calls this one.</summary>
        public bool HasCallers { get; set; }

        /// <summary>The body, or one it (transitively) calls, uses the runtime's Kernel API.</summary>
        public bool ReachesKernel { get; set; }

        /// <summary>
        /// The body can create, move or map a kernel value, or calls one that can (see <see cref="Relevance"/>): it
        /// is analysed as a root, and calls into it are followed. Calls into other bodies are followed only when
        /// something the analysis tracks flows into them.
        /// </summary>
        public bool IsRelevant { get; set; }

        /// <summary>The relevance pass bound this body and looked at what it touches (see <see cref="Relevance"/>).</summary>
        public bool WasScanned { get; set; }

        /// <summary>The bodies this one calls (filled for bound bodies).</summary>
        public List<BodyInfo> Callees { get; } = new List<BodyInfo>();

        public IMethodSymbol? Method => Owner as IMethodSymbol;

        /// <summary>
        /// What the body starts from when analysed as a root (its parameters' and <c>this</c>'s symbolic values),
        /// made by <see cref="FlowRun"/> on the first run and kept: a root runs in every round and every group.
        /// Set once; a race makes equal values.
        /// </summary>
        public (System.Collections.Immutable.ImmutableArray<AbstractValue> Arguments, AbstractValue? This)? RootStart { get; set; }

        /// <summary>This body as the one target of a call (asked at every call of it, so made once).</summary>
        public IReadOnlyList<BodyInfo> AsOnlyTarget => _asOnlyTarget ??= new[] { this };

        private BodyInfo[]? _asOnlyTarget;

        /// <summary>The body's operation tree, bound on first use; null for code Roslyn gives none for.</summary>
        [MethodImpl(HotPath.Optimized)]
        public IOperation? GetOperation(CancellationToken cancellationToken)
        {
            // Asked at every analysis of the body: once bound, without the lock (_bound is written after _operation).
            if (_bound)
            {
                return _operation;
            }

            // Bodies are bound on several threads (see Parallelism), and a body two groups of roots call may be
            // asked by both at once.
            lock (_gate)
            {
                if (!_bound)
                {
                    _operation = _model.GetOperation(Node, cancellationToken);
                    _bound = true;
                }

                return _operation;
            }
        }

        /// <summary>The control flow graph, built on first use; null for code Roslyn cannot build one for (broken code).</summary>
        [MethodImpl(HotPath.Optimized)]
        public ControlFlowGraph? GetGraph(CancellationToken cancellationToken)
        {
            if (_graph is { } graph)
            {
                return graph;
            }

            lock (_gate)
            {
                return GetGraphCore(cancellationToken);
            }
        }

        private ControlFlowGraph? GetGraphCore(CancellationToken cancellationToken)
        {
            if (_graph == null && !_graphFailed)
            {
                if (GetOperation(cancellationToken) == null)
                {
                    _graphFailed = true;
                    return null;
                }

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
