using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>A delegate's possible target: a lambda (with the graph it lives in and what it captured) or a method.</summary>
    internal sealed class Callable : IEquatable<Callable>
    {
        private Callable(IFlowAnonymousFunctionOperation? lambda, ControlFlowGraph? owner, IMethodSymbol? method, FlowState? captured)
        {
            Lambda = lambda;
            OwnerGraph = owner;
            Method = method;
            Captured = captured;
        }

        public IFlowAnonymousFunctionOperation? Lambda { get; }
        public ControlFlowGraph? OwnerGraph { get; }
        public IMethodSymbol? Method { get; }

        /// <summary>The creator's state when the lambda was created: what its captured variables held then.</summary>
        public FlowState? Captured { get; }

        public static Callable ForLambda(IFlowAnonymousFunctionOperation lambda, ControlFlowGraph owner, FlowState captured) =>
            new Callable(lambda, owner, null, captured);

        public static Callable ForMethod(IMethodSymbol method, ControlFlowGraph? owner, FlowState? captured) =>
            new Callable(null, owner, method, captured);

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(Callable? other) =>
            other != null && ReferenceEquals(Lambda, other.Lambda) && SymbolEqualityComparer.Default.Equals(Method, other.Method);

        public override bool Equals(object? obj) => Equals(obj as Callable);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode() =>
            Lambda != null ? Lambda.GetHashCode() : SymbolEqualityComparer.Default.GetHashCode(Method);
    }
}
