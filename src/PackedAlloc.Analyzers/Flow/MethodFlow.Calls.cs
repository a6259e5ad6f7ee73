using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>Calls: the Kernel API, the user's bounce helpers and sinks, the compilation's own methods (analysed in
    /// this context), lambdas and local functions, and library methods (conservatively).</summary>
    internal sealed partial class MethodFlow
    {
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalInvocation(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var receiver = invocation.Instance == null ? null : Eval(invocation.Instance);
            var arguments = EvalArguments(invocation.Arguments);
            var function = _flow.Kernel.Classify(method);
            CpuAccesses(invocation, receiver, arguments);
            if (function != KernelFunction.None)
            {
                if (function != KernelFunction.MappingErrorCheck)
                {
                    UseHandlesInRuntimeCall(invocation, arguments);
                }

                AtomicTransfer(invocation, arguments);
                var result = KernelCall(function, invocation, arguments);
                return function is KernelFunction.Kmalloc or KernelFunction.KmallocArray or KernelFunction.Krealloc or KernelFunction.Kmemdup or KernelFunction.KmemCacheAlloc
                    ? WithBuffer(invocation, result)
                    : result;
            }

            bool kernelMember = _flow.Kernel.IsKernelMember(method);
            if (kernelMember || TypeFacts.IsRuntimeType(method.ContainingType, "Device"))
            {
                UseHandlesInRuntimeCall(invocation, arguments);
                MatchMapping(invocation, arguments);
                FreeWhileMapped(invocation, arguments);
                if (kernelMember)
                {
                    AtomicTransfer(invocation, arguments);
                }
            }

            if (kernelMember)
            {
                return method.Name == "in_atomic" ? AtomicQuery(invocation) : Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true);
            }

            if (_flow.Kernel.IsCreateDevice(method))
            {
                // A device created coherent needs no bounce, as dma_kmalloc_needs_bounce would answer; any other is a
                // device of its own, so that a value that may be either is not taken for coherent.
                return AbstractValue.ForObject(CreatedCoherent(invocation, arguments)
                    ? _run.CoherentDevice(invocation.Syntax, _heapContext)
                    : _run.SiteObject(invocation.Syntax, _heapContext));
            }

            if (_flow.Options.BounceMethods.Matches(method))
            {
                // A user's bounce helper: what it maps is bounced, what it returns is a clean copy.
                return Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true);
            }

            if (_flow.Options.SinkMethods.Matches(method))
            {
                CheckSink(invocation, arguments);
            }

            if (method.Name == "<Clone>$" && method.ContainingType.IsRecord && receiver != null)
            {
                return CopyObject(receiver, method.ContainingType, invocation.Syntax.GetLocation());
            }

            switch (method.MethodKind)
            {
                case MethodKind.LocalFunction:
                    return CallLocalFunction(method, arguments, invocation);
                case MethodKind.DelegateInvoke:
                    return InvokeCallables(receiver ?? AbstractValue.Bottom, ByOrdinal(invocation.Arguments, arguments, method.Parameters.Length), method.ReturnType, invocation);
            }

            return CallDispatch(method, receiver, arguments, invocation, invocation.Arguments)
                ?? ConservativeCall(method, receiver, arguments, invocation);
        }

        /// <summary>
        /// Follows a call into every body it may run (one for an ordinary call, each implementation the compilation
        /// has for a virtual or interface call) and joins what they return; null when there is nothing to follow.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue? CallDispatch(IMethodSymbol method, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments,
            IOperation call, ImmutableArray<IArgumentOperation> argumentOperations)
        {
            var targets = _flow.DispatchTargets(method);
            if (targets.Count == 0)
            {
                return null;
            }

            var result = AbstractValue.Bottom;
            foreach (var target in targets)
            {
                result = result.Join(CallBody(target, target.Method ?? method, receiver, arguments, call, argumentOperations));
            }

            return result;
        }

        /// <summary>Argument values put in parameter order (named arguments may be written in any order).</summary>
        [MethodImpl(HotPath.Optimized)]
        private static ImmutableArray<AbstractValue> ByOrdinal(ImmutableArray<IArgumentOperation> argumentOperations, ImmutableArray<AbstractValue> values, int parameterCount)
        {
            if (argumentOperations.IsEmpty)
            {
                return values;
            }

            // Built in place and handed over without the copy ImmutableArray.Create makes: this runs at every call.
            var result = ImmutableArray.CreateBuilder<AbstractValue>(parameterCount);
            result.Count = parameterCount;
            for (int i = 0; i < parameterCount; i++) result[i] = AbstractValue.Bottom;
            for (int i = 0; i < argumentOperations.Length && i < values.Length; i++)
            {
                var parameter = argumentOperations[i].Parameter;
                if (parameter != null && parameter.Ordinal < parameterCount)
                {
                    result[parameter.Ordinal] = values[i].WithStep(argumentOperations[i].Value.Syntax);
                }
            }

            // Values past the written arguments are implicit ones in parameter order: an indexer setter's value.
            for (int i = argumentOperations.Length; i < values.Length && i < parameterCount; i++)
            {
                result[i] = values[i];
            }

            return result.MoveToImmutable();
        }

        /// <summary>Whether a <c>CreateDevice</c> call's <c>coherent</c> argument is true on every path (a constant the analysis pins down).</summary>
        [MethodImpl(HotPath.Optimized)]
        private static bool CreatedCoherent(IInvocationOperation invocation, ImmutableArray<AbstractValue> arguments)
        {
            for (int i = 0; i < invocation.Arguments.Length && i < arguments.Length; i++)
            {
                if (invocation.Arguments[i].Parameter?.Name == "coherent")
                {
                    var consts = arguments[i].Consts;
                    return !consts.HasUnknown && !consts.HasParameter && consts.Values.Count > 0 && consts.Values.All(v => v != 0);
                }
            }

            return false;
        }

        /// <summary>
        /// A call into the compilation's own code: analysed (or taken from the memo) with this call's argument values,
        /// guard and remaining depth. Out and ref arguments receive the parameters' final values.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CallBody(BodyInfo body, IMethodSymbol method, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments,
            IOperation call, ImmutableArray<IArgumentOperation> argumentOperations)
        {
            var ordered = ByOrdinal(argumentOperations, arguments, method.Parameters.Length);
            CallResult? result = null;
            if (_depthLeft > 0 && ShouldFollow(body, method, receiver, ordered))
            {
                var key = new CallKey(body, receiver, HandlesAsParameters(ContextArguments(method, ordered)), _state.Guard, _depthLeft - 1, _rootHasCallers);
                result = _run.AnalyzeCall(key);
            }

            if (result == null)
            {
                return ConservativeCall(method, receiver, arguments, call);
            }

            AddHits(result.Hits);
            TakeCalleeHandles(result, ordered);
            TakeCalleeAtomic(result, nested: false);
            HandOnArguments(ordered);
            var location = call.Syntax;
            foreach (var argument in argumentOperations)
            {
                var parameter = argument.Parameter;
                if (parameter != null && parameter.RefKind != RefKind.None && parameter.Ordinal < result.FinalArguments.Length)
                {
                    var given = CalleeValueHere(result.FinalArguments[parameter.Ordinal], result, ordered, call, method.Name, resite: true);
                    Assign(argument.Value, given.WithStep(location), location);
                }
            }

            // The callee may have stored into objects this method holds: what it stored is in the compilation-wide
            // heap under the same objects, so each of this method's entries is widened by it (not dropped, which would
            // fall back to the per-field summary and mix up objects the callee never touched).
            if (HasObjects(receiver) || ordered.Any(HasObjects))
            {
                WidenHeapWithCalleeWrites();
                TakeCalleeExitHeap(result, receiver, ordered, call);
            }

            return CalleeValueHere(result.Return, result, ordered, call, method.Name, resite: true).WithStep(location);
        }

        /// <summary>
        /// The arguments as the callee's context: a byte or character buffer (<c>Span&lt;byte&gt;</c>, <c>char[]</c>,
        /// a string) is passed by its constants only, without the objects it may be, since no kernel value can be
        /// stored in it. Calls that differ only in which data buffer they pass are then one context, not one per
        /// buffer: the emulator's own device access was analysed once per test buffer and used all 64 contexts.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static ImmutableArray<AbstractValue> ContextArguments(IMethodSymbol method, ImmutableArray<AbstractValue> arguments)
        {
            var parameters = method.Parameters;
            ImmutableArray<AbstractValue>.Builder? abstracted = null;
            for (int i = 0; i < arguments.Length && i < parameters.Length; i++)
            {
                var argument = arguments[i];
                if (parameters[i].RefKind == RefKind.None && !argument.Objects.IsEmpty && TypeFacts.IsPlainData(parameters[i].Type))
                {
                    abstracted ??= arguments.ToBuilder();
                    abstracted[i] = AbstractValue.Bottom.WithConsts(argument.Consts);
                }
            }

            return abstracted?.MoveToImmutable() ?? arguments;
        }

        /// <summary>
        /// Whether a call into the compilation's own code is worth analysing here: always for a relevant body; for any
        /// other, only when a tracked value (a packed buffer, a __GFP_PACKED flag, a check's outcome) flows into it, or
        /// when relevant code asks it for a number, which may be a size, flag or direction. Otherwise it cannot touch
        /// a kernel value and is treated as a library call, which is what keeps the cost with the code that uses DMA.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool ShouldFollow(BodyInfo body, IMethodSymbol method, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments) =>
            body.IsRelevant
            || CarriesTrackedValue(receiver)
            || arguments.Any(CarriesTrackedValue)
            || (_body.IsRelevant && TypeFacts.IsIntegralLike(method.ReturnType))
            || HoldsTrackedValue(receiver)
            || arguments.Any(HoldsTrackedValue);

        /// <summary>
        /// Whether an object the value refers to holds, as this method knows it, a tracked value in a field or element:
        /// a holder typed <c>object</c> that a helper touching no kernel type may swap or move.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool HoldsTrackedValue(AbstractValue? value)
        {
            if (value == null || value.Objects.IsEmpty || _state.Heap.IsEmpty)
            {
                return false;
            }

            foreach (var pair in _state.Heap)
            {
                if (value.Objects.Contains(pair.Key.Object) && CarriesTrackedValue(pair.Value))
                {
                    return true;
                }
            }

            return false;
        }

        [MethodImpl(HotPath.Optimized)]
        private static bool CarriesTrackedValue(AbstractValue? value) =>
            value != null && (!value.Origins.IsEmpty || !value.FlagSites.IsEmpty || value.Guard != GuardPolarity.None);

        private static bool HasObjects(AbstractValue? value) => value != null && !value.Objects.IsEmpty;

        [MethodImpl(HotPath.Optimized)]
        private void WidenHeapWithCalleeWrites()
        {
            var heap = _state.Heap;
            foreach (var pair in _state.Heap)
            {
                // An element known by its index may have been written as any element.
                var written = _run.ReadGlobalHeap(pair.Key.IsSlot ? new HeapKey(pair.Key.Object, HeapKey.Elements) : pair.Key);
                if (written != null)
                {
                    heap = heap.SetItem(pair.Key, pair.Value.Join(written));
                }
            }

            _state = _state.WithHeap(heap);
        }

        /// <summary>
        /// What the callee's state held at its exit for the fields of the objects it was given: a field there was
        /// written on every path through it (a field written on some paths only is dropped where they join), and
        /// a weak write there kept what the field held before, so the caller takes that value as it is (a field
        /// reset inside a callee replaces what the caller's object held, as a write in the caller would). Elements
        /// are not taken: they are only ever written weakly, and the widening above already gave them the callee's.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void TakeCalleeExitHeap(CallResult result, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments, IOperation call)
        {
            var exit = result.ExitState;
            if (exit == null || exit.Heap.IsEmpty)
            {
                return;
            }

            var heap = _state.Heap;
            foreach (var pair in exit.Heap)
            {
                if (!pair.Key.IsElement && (Refers(receiver, pair.Key.Object) || arguments.Any(a => Refers(a, pair.Key.Object))))
                {
                    heap = heap.SetItem(pair.Key, CalleeValueHere(pair.Value, result, arguments, call, "", resite: false));
                }
            }

            _state = _state.WithHeap(heap);
        }

        private static bool Refers(AbstractValue? value, ObjectId obj) => value != null && value.Objects.Contains(obj);

        /// <summary>
        /// A call the analysis does not follow (a library method, a virtual call, depth exhausted): its result may hold
        /// whatever its receiver and arguments hold, library collections store what Add/Insert/Push/Enqueue get, and
        /// lambdas it is given are analysed with the elements of what it works on as their arguments.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ConservativeCall(IMethodSymbol method, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments, IOperation call)
        {
            if (!_flow.Kernel.IsKernelMember(method) && !TypeFacts.IsRuntimeType(method.ContainingType, "Device"))
            {
                // What a library or an unfollowed method does with a mapping is its business: it is not leaked here.
                HandOnArguments(arguments);
            }

            if (receiver != null && TypeFacts.StoresArgumentsInReceiver(method.Name))
            {
                foreach (var argument in arguments)
                {
                    var stored = TypeFacts.StoresElementsOfArgument(method.Name) ? ReadElements(argument).Join(argument) : argument;
                    WriteElements(receiver, stored.WithStep(call.Syntax));
                }
            }

            if (IsLinqProjection(method) && arguments.Length == 2 && !arguments[1].Callables.IsEmpty)
            {
                return Projection(method, arguments[0], arguments[1], call);
            }

            var reachable = Reachable(receiver, arguments);
            var result = Conservative(method.ReturnType, reachable);
            var lambdaArguments = reachable.WithConsts(ConstSet.Unknown);
            foreach (var argument in arguments)
            {
                if (!argument.Callables.IsEmpty)
                {
                    var parameterCount = 0;
                    foreach (var callable in argument.Callables)
                    {
                        parameterCount = System.Math.Max(parameterCount, ParametersOf(callable).Length);
                    }

                    var callableArguments = ImmutableArray.CreateRange(System.Linq.Enumerable.Repeat(lambdaArguments, parameterCount));
                    result = result.Join(Shape(InvokeCallables(argument, callableArguments, null, call), method.ReturnType, unknownIfNumeric: false));
                }
            }

            if (!result.IsBottom || !TypeFacts.IsReferenceLike(method.ReturnType))
            {
                // out arguments of library calls (TryGetValue, TryDequeue) receive what the receiver holds.
                if (call is IInvocationOperation invocation)
                {
                    foreach (var argument in invocation.Arguments)
                    {
                        if (argument.Parameter?.RefKind == RefKind.Out && TypeFacts.IsReferenceLike(argument.Parameter.Type))
                        {
                            Assign(argument.Value, lambdaArguments, call.Syntax);
                        }
                    }
                }
            }

            return result;
        }

        /// <summary>LINQ's Select and SelectMany (on enumerables and queryables), with a selector the analysis can run.</summary>
        private static bool IsLinqProjection(IMethodSymbol method) =>
            (method.Name == "Select" || method.Name == "SelectMany")
            && method.ContainingType is { Name: "Enumerable" or "Queryable" } type
            && type.ContainingNamespace?.ToDisplayString() == "System.Linq";

        /// <summary>
        /// <c>source.Select(selector)</c>: a new sequence whose elements are what the selector returns for the
        /// source's elements (for SelectMany, the elements of what it returns); the source's own elements do not
        /// flow on, so <c>packed.Select(p => kmemdup(p, n, GFP_KERNEL))</c> holds only the copies. Other LINQ
        /// operators (Where, OrderBy, ToList, First …) pass the elements through, as any unseen call does.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Projection(IMethodSymbol method, AbstractValue source, AbstractValue selector, IOperation call)
        {
            var element = ReadElements(source).WithConsts(ConstSet.Unknown);
            int parameterCount = 0;
            foreach (var callable in selector.Callables)
            {
                parameterCount = System.Math.Max(parameterCount, ParametersOf(callable).Length);
            }

            // The selector's second parameter, where it has one, is the element's index.
            var selectorArguments = parameterCount >= 2
                ? ImmutableArray.Create(element, AbstractValue.UnknownConstant)
                : ImmutableArray.Create(element);
            var selected = InvokeCallables(selector, selectorArguments, null, call);
            if (method.Name == "SelectMany")
            {
                selected = ReadElements(selected);
            }

            var sequence = AbstractValue.ForObject(_run.SiteObject(call.Syntax, _heapContext));
            WriteElements(sequence, selected.WithStep(call.Syntax));
            return sequence;
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Conservative(ITypeSymbol? returnType, AbstractValue? receiver, ImmutableArray<AbstractValue> arguments) =>
            TypeFacts.CannotCarryBuffer(returnType) ? Conservative(returnType, AbstractValue.Bottom) : Conservative(returnType, Reachable(receiver, arguments));

        [MethodImpl(HotPath.Optimized)]
        private static AbstractValue Conservative(ITypeSymbol? returnType, AbstractValue reachable)
        {
            if (TypeFacts.IsIntegralLike(returnType))
            {
                return AbstractValue.UnknownConstant;
            }

            if (IsDevice(returnType))
            {
                // A device from code the analysis does not see is a device of unknown coherence: it carries an object
                // that says so, so that joined with a device created coherent it does not pass for coherent.
                return ObjectId.UnknownDevice.Value;
            }

            return TypeFacts.CannotCarryBuffer(returnType) ? AbstractValue.Bottom : Shape(reachable, returnType, unknownIfNumeric: false);
        }

        /// <summary>
        /// What an unfollowed call can get at: its receiver and arguments (lambdas aside) and their elements. It is
        /// both what such a call may return and what a lambda handed to it (ForEach, Select, Task.Run …) may be called with.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Reachable(AbstractValue? receiver, ImmutableArray<AbstractValue> arguments)
        {
            var result = receiver == null ? AbstractValue.Bottom : receiver.Join(ReadElements(receiver));
            foreach (var argument in arguments)
            {
                if (argument.Callables.IsEmpty)
                {
                    result = result.Join(argument).Join(ReadElements(argument));
                }
            }

            return result;
        }

        [MethodImpl(HotPath.Optimized)]
        private ImmutableArray<IParameterSymbol> ParametersOf(Callable callable) =>
            callable.Lambda?.Symbol.Parameters ?? callable.Method?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue InvokeCallables(AbstractValue target, ImmutableArray<AbstractValue> arguments, ITypeSymbol? returnType, IOperation call)
        {
            var result = AbstractValue.Bottom;
            foreach (var callable in target.Callables)
            {
                if (callable.Lambda != null && callable.OwnerGraph != null)
                {
                    var graph = callable.OwnerGraph.GetAnonymousFunctionControlFlowGraph(callable.Lambda, _flow.CancellationToken);
                    result = result.Join(RunNestedGraph(graph, callable.Lambda.Symbol.Parameters, arguments, callable.Captured));
                }
                else if (callable.Method is { } method)
                {
                    if (method.MethodKind == MethodKind.LocalFunction)
                    {
                        var graph = FindLocalFunctionGraph(callable.OwnerGraph ?? _graph, method);
                        if (graph != null)
                        {
                            result = result.Join(RunNestedGraph(graph, method.Parameters, arguments, callable.Captured));
                        }
                    }
                    else if (_flow.Kernel.Classify(method) is var function && function != KernelFunction.None && call is IInvocationOperation invocation)
                    {
                        // A delegate to a Kernel API function (Func<int, GfpFlags, KernelPtr> alloc = kmalloc): the
                        // call through it is that function's call, with the delegate's arguments in its order.
                        result = result.Join(KernelCall(function, invocation, arguments));
                    }
                    else
                    {
                        result = result.Join(CallDispatch(method, null, arguments, call, ImmutableArray<IArgumentOperation>.Empty) ?? AbstractValue.Bottom);
                    }
                }
            }

            return returnType == null ? result : Shape(result, returnType, unknownIfNumeric: false);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CallLocalFunction(IMethodSymbol method, ImmutableArray<AbstractValue> arguments, IInvocationOperation invocation)
        {
            var graph = FindLocalFunctionGraph(_graph, method);
            if (graph == null)
            {
                return ConservativeCall(method, null, arguments, invocation);
            }

            return RunNestedGraph(graph, method.Parameters, ByOrdinal(invocation.Arguments, arguments, method.Parameters.Length), captured: null);
        }

        [MethodImpl(HotPath.Optimized)]
        private ControlFlowGraph? FindLocalFunctionGraph(ControlFlowGraph start, IMethodSymbol method)
        {
            for (var graph = start; graph != null; graph = graph.Parent)
            {
                foreach (var local in graph.LocalFunctions)
                {
                    if (SymbolEqualityComparer.Default.Equals(local, method.OriginalDefinition))
                    {
                        return graph.GetLocalFunctionControlFlowGraph(local, _flow.CancellationToken);
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Runs a lambda or local function in place: it sees the captured variables as the caller has them now (or as
        /// they were when the lambda was created, for those the caller no longer holds), and what it assigns to them
        /// flows back.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue RunNestedGraph(ControlFlowGraph graph, ImmutableArray<IParameterSymbol> parameters, ImmutableArray<AbstractValue> arguments, FlowState? captured)
        {
            if (_depthLeft <= 0)
            {
                return AbstractValue.Bottom;
            }

            // A lambda created where the code had checked that no bounce is needed (a mapping strategy chosen by
            // dev_is_dma_coherent) runs only because that check passed, wherever it is invoked later.
            var guard = GuardScope.Both(_state.Guard, captured?.Guard);
            var initial = captured == null ? _state : new FlowState(captured.Variables.SetItems(_state.Variables), captured.Heap.SetItems(_state.Heap), guard, _state.Facts);
            for (int i = 0; i < parameters.Length; i++)
            {
                initial = initial.WithVariable(parameters[i], i < arguments.Length ? arguments[i] : AbstractValue.Bottom);
            }

            var nested = new MethodFlow(_run, _body, graph, _this, _depthLeft - 1, _rootHasCallers, _heapContext);
            nested.Steps = Steps;
            CallResult result;
            try
            {
                result = nested.RunNested(initial, parameters);
            }
            finally
            {
                Steps = nested.Steps;
            }

            AddHits(result.Hits);
            TakeNestedHandles(nested, result);
            TakeCalleeAtomic(result, nested: true);
            if (result.ExitState != null)
            {
                foreach (var pair in result.ExitState.Variables)
                {
                    if (pair.Key is ISymbol symbol && _state.Variables.ContainsKey(symbol) && !IsParameterOf(symbol, parameters))
                    {
                        _state = _state.WithVariable(symbol, pair.Value);
                    }
                }
            }

            return result.Return;
        }

        [MethodImpl(HotPath.Optimized)]
        private static bool IsParameterOf(ISymbol symbol, ImmutableArray<IParameterSymbol> parameters)
        {
            foreach (var parameter in parameters)
            {
                if (SymbolEqualityComparer.Default.Equals(parameter, symbol)) return true;
            }

            return false;
        }
    }
}
