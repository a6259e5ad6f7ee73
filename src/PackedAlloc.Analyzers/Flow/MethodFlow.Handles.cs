using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The mapping-handle domain: which DMA addresses and dma_map_sg counts a value may be (by the call that made
    /// them, <see cref="AbstractValue.Handles"/>), which of them every path has checked for a mapping error
    /// (<see cref="FlowState.Checked"/>), which some path stored before a check (<see cref="FlowState.StoredUnchecked"/>),
    /// and which reached a use first (<see cref="HandleUse"/>). A callee is analysed
    /// for its parameters' handles (<see cref="OriginKind.ParameterHandle"/>), not for each caller's mapping, so
    /// handles add no calling context; what it checked and used of them is told back to each caller at the call.
    /// </summary>
    internal sealed partial class MethodFlow
    {
        // Uses judged: each is unchecked where it happened (a finding, or a caller's to judge for a parameter's handle).
        private List<HandleUse>? _handleUses;
        private HashSet<HandleUse>? _handleUseSet;

        // Stores of handles not checked when stored: judged when the method returns (see FinishHandleUses).
        private List<HandleUse>? _escapes;
        private HashSet<HandleUse>? _escapeSet;

        // The objects each store wrote into (an array, the object whose field it set): returning one of them hands the mappings over.
        private Dictionary<HandleUse, ValueSet<ObjectId>>? _escapeTargets;

        private IReadOnlyList<HandleUse> HandleUses => (IReadOnlyList<HandleUse>?)_handleUses ?? System.Array.Empty<HandleUse>();

        /// <summary>
        /// A mapping call's result: a handle named by the call, with the size and direction it maps when each is one
        /// known constant here. A mapping made again at the call (the next turn of a loop) is unchecked again; a
        /// single mapping is live from here until it is unmapped, stored, returned or handed on.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue NewMapping(IInvocationOperation invocation, OriginKind kind, AbstractValue shaped, ImmutableArray<AbstractValue> ordered)
        {
            if (!_run.TryGetConstant(invocation, out var handleValue))
            {
                // The same at every visit: made once per call site.
                handleValue = DoesNotCompile(invocation)
                    ? AbstractValue.Bottom
                    : AbstractValue.Bottom.WithHandles(ValueSet<Origin>.Create(Origin.ForMapping(kind, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name)));
                _run.KeepConstant(invocation, handleValue);
            }

            var handles = handleValue.Handles;
            long? size = SingleArgument(invocation.TargetMethod, ordered, "size");
            long? direction = SingleArgument(invocation.TargetMethod, ordered, "dir");
            var buffers = kind == OriginKind.Mapping ? MappedBuffers(invocation, ordered) : ValueSet<Origin>.Empty;
            if (kind == OriginKind.Mapping && handles.Count == 1
                && (handles[0].MappedSize != size || handles[0].MappedDirection != direction || !handles[0].Buffers.SetEquals(buffers)))
            {
                // Made once per call site, size, direction and buffers: most calls map the same at every visit.
                handleValue = AbstractValue.Bottom.WithHandles(ValueSet<Origin>.Create(
                    Origin.ForMapping(kind, handles[0].Site, handles[0].Allocator, size, direction).Mapping(buffers)));
                _run.KeepConstant(invocation, handleValue);
                handles = handleValue.Handles;
            }

            if (kind == OriginKind.Mapping && direction is long dir && IsDeviceWritable(dir))
            {
                GiveToDevice(handles);
            }

            foreach (var handle in handles)
            {
                _state = _state.WithChecked(_state.Checked.Remove(handle));

                if (kind == OriginKind.Mapping)
                {
                    _state = _state.WithLive(_state.Live.Add(handle));
                }
            }

            return shaped.WithHandles(handles);
        }

        /// <summary>The argument of the parameter named <paramref name="name"/> when it is one known constant.</summary>
        private static long? SingleArgument(IMethodSymbol method, ImmutableArray<AbstractValue> ordered, string name) =>
            ValueOf(method, ordered, name)?.Consts is { HasUnknown: false, HasParameter: false } consts && consts.TryGetSingle(out long value) ? value : null;

        /// <summary>The kinds that stand for a mapping (its address or count, or a parameter's), not for a bool about one.</summary>
        private static bool IsMappingHandle(Origin handle) =>
            handle.Kind is OriginKind.Mapping or OriginKind.MappingCount or OriginKind.ParameterHandle;

        /// <summary>The bool that says, when <paramref name="failedWhen"/>, that the mappings of <paramref name="value"/> failed.</summary>
        private static AbstractValue FailureOf(AbstractValue value, bool failedWhen)
        {
            var handles = ValueSet<Origin>.Empty;
            foreach (var handle in value.Handles)
            {
                if (IsMappingHandle(handle)) handles = handles.Add(handle.FailedWhen(failedWhen));
            }

            return AbstractValue.UnknownConstant.WithHandles(handles);
        }

        /// <summary>
        /// dma_mapping_error on the value (or a comparison that checks it): every handle it may be is checked from
        /// here on, and a store of it made before is covered (checking through the field is the kernel's idiom).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void CheckHandles(AbstractValue value)
        {
            var @checked = _state.Checked;
            var stored = _state.StoredUnchecked;
            foreach (var handle in value.Handles)
            {
                if (!IsMappingHandle(handle)) continue;
                @checked = @checked.Add(handle);
                stored = stored.Remove(handle);
            }

            _state = _state.WithChecked(@checked).WithStoredUnchecked(stored);
        }

        /// <summary>The value reaches a use: each handle it may be and no path here has checked is a pending use.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void UseHandles(AbstractValue value, HandleUseKind kind, SyntaxNode at, string what)
        {
            Location? location = null;
            foreach (var handle in value.Handles)
            {
                if (IsMappingHandle(handle) && !_state.Checked.Contains(handle))
                {
                    AddHandleUse(new HandleUse(handle, kind, location ??= at.GetLocation(), what));
                }
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void AddHandleUse(HandleUse use)
        {
            if ((_handleUseSet ??= new HashSet<HandleUse>()).Add(use))
            {
                (_handleUses ??= new List<HandleUse>()).Add(use);
            }
        }

        /// <summary>
        /// A call into the runtime with handles among its arguments: a use of each (a sync, an unmap, a device's
        /// transfer), except the check itself and the mapping calls, which make handles rather than use them.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void UseHandlesInRuntimeCall(IInvocationOperation invocation, ImmutableArray<AbstractValue> arguments)
        {
            for (int i = 0; i < arguments.Length; i++)
            {
                if (!arguments[i].Handles.IsEmpty)
                {
                    UseHandles(arguments[i], HandleUseKind.Use, invocation.Syntax, invocation.TargetMethod.Name);
                }
            }
        }

        /// <summary>
        /// A comparison with a handle on one side: with DMA_MAPPING_ERROR it checks a DMA address; with 0 it checks
        /// a dma_map_sg count; any other comparison of a count (a loop's bound) uses it.
        /// </summary>
        /// <returns>The comparison's result as a failure bool (<c>addr == DMA_MAPPING_ERROR</c> is true when the mapping failed), or bottom.</returns>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CompareHandles(IBinaryOperation binary, AbstractValue left, AbstractValue right)
        {
            var result = AbstractValue.Bottom;
            if (!left.Handles.IsEmpty) result = result.Join(CompareHandle(binary, left, binary.RightOperand, right));
            if (!right.Handles.IsEmpty) result = result.Join(CompareHandle(binary, right, binary.LeftOperand, left));
            return result;
        }

        private AbstractValue CompareHandle(IBinaryOperation binary, AbstractValue handles, IOperation otherOperand, AbstractValue other)
        {
            bool equality = binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals;
            bool relational = equality || binary.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
                or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual;
            if (!relational)
            {
                return AbstractValue.Bottom;
            }

            if (equality && IsMappingErrorConstant(otherOperand))
            {
                CheckHandles(handles);
                return FailureOf(handles, failedWhen: binary.OperatorKind == BinaryOperatorKind.Equals);
            }

            var counts = OfKind(handles, OriginKind.MappingCount);
            if (counts.Handles.IsEmpty)
            {
                return AbstractValue.Bottom;
            }

            if (other.Consts.TryGetSingle(out long constant) && constant == 0 && !other.Consts.HasUnknown)
            {
                CheckHandles(counts);
                return equality ? FailureOf(counts, failedWhen: binary.OperatorKind == BinaryOperatorKind.Equals) : AbstractValue.Bottom;
            }

            UseHandles(counts, HandleUseKind.Use, binary.Syntax, "a comparison");
            return AbstractValue.Bottom;
        }

        private static AbstractValue OfKind(AbstractValue value, OriginKind kind)
        {
            bool all = true;
            foreach (var handle in value.Handles)
            {
                all &= handle.Kind == kind;
            }

            if (all) return value;
            var kept = new List<Origin>();
            foreach (var handle in value.Handles)
            {
                if (handle.Kind == kind) kept.Add(handle);
            }

            return AbstractValue.Bottom.WithHandles(ValueSet<Origin>.CreateRange(kept));
        }

        /// <summary>Kernel.DMA_MAPPING_ERROR, through any conversion.</summary>
        private bool IsMappingErrorConstant(IOperation operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation is IFieldReferenceOperation field && _flow.Kernel.MappingErrorField is { } error
                && SymbolEqualityComparer.Default.Equals(field.Field, error);
        }

        /// <summary>A handle stored into a field, property or element before a check: judged when the method returns (a check through the field counts).</summary>
        [MethodImpl(HotPath.Optimized)]
        private void EscapeHandles(IOperation target, AbstractValue value, SyntaxNode at)
        {
            string what = target switch
            {
                IFieldReferenceOperation field => field.Field.Name,
                IPropertyReferenceOperation property => property.Property.Name,
                IArrayElementReferenceOperation => "an array element",
                _ => "a member",
            };
            Location? location = null;
            ValueSet<ObjectId>? into = null;
            HandOn(value);
            foreach (var handle in value.Handles)
            {
                if (IsMappingHandle(handle) && !_state.Checked.Contains(handle))
                {
                    var escape = new HandleUse(handle, HandleUseKind.Escape, location ??= at.GetLocation(), what);
                    AddEscape(escape);
                    into ??= StoredInto(target);
                    (_escapeTargets ??= new Dictionary<HandleUse, ValueSet<ObjectId>>()).TryGetValue(escape, out var known);
                    _escapeTargets[escape] = known == null ? into : known.Union(into);
                }
            }
        }

        /// <summary>The objects a store target belongs to: the array of an element, the instance of a field or property (none for a static one).</summary>
        private ValueSet<ObjectId> StoredInto(IOperation target)
        {
            var container = target switch
            {
                IArrayElementReferenceOperation element => element.ArrayReference,
                IFieldReferenceOperation field => field.Instance,
                IPropertyReferenceOperation property => property.Instance,
                _ => null,
            };
            return container is ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation or IFieldReferenceOperation
                ? Eval(container).Objects
                : ValueSet<ObjectId>.Empty;
        }

        /// <summary>A store made before a check: on this path the handle is stored unchecked, until a check covers it.</summary>
        private void AddEscape(HandleUse escape)
        {
            _state = _state.WithStoredUnchecked(_state.StoredUnchecked.Add(escape.Handle));
            RecordEscape(escape);
        }

        /// <summary>Keeps a store to judge when the method returns, once.</summary>
        private void RecordEscape(HandleUse escape)
        {
            if ((_escapeSet ??= new HashSet<HandleUse>()).Add(escape))
            {
                (_escapes ??= new List<HandleUse>()).Add(escape);
            }
        }

        /// <summary>What a lambda or local function run in place used and stored: its stores are judged with this method's.</summary>
        private void TakeNestedHandles(MethodFlow nested, CallResult result)
        {
            foreach (var use in result.HandleUses)
            {
                AddHandleUse(use);
            }

            if (nested._escapes != null)
            {
                foreach (var escape in nested._escapes)
                {
                    RecordEscape(escape);
                }
            }

            if (nested._escapeTargets != null)
            {
                foreach (var pair in nested._escapeTargets)
                {
                    (_escapeTargets ??= new Dictionary<HandleUse, ValueSet<ObjectId>>()).TryGetValue(pair.Key, out var known);
                    _escapeTargets[pair.Key] = known == null ? pair.Value : known.Union(pair.Value);
                }
            }

            if (result.ExitState != null)
            {
                _state = _state.WithChecked(result.ExitState.Checked).WithStoredUnchecked(result.ExitState.StoredUnchecked).WithLive(result.ExitState.Live);
            }
        }

        /// <summary>
        /// The uses this body leaves to its callers, at its end: every use it judged, and each store of a handle that
        /// some path out still holds unchecked, unless the body returns the handle, gives it back through a ref or
        /// out parameter, or returns the object it stored it in (the duty moves to the caller, who is told about the
        /// mapping as the call's own). A body that never returns stores nothing.
        /// </summary>
        private IReadOnlyList<HandleUse> FinishHandleUses(ImmutableArray<AbstractValue> finalArguments)
        {
            if (_escapes == null || _exitState == null)
            {
                return HandleUses;
            }

            var kept = new List<HandleUse>(HandleUses);
            foreach (var escape in _escapes)
            {
                if (_exitState.StoredUnchecked.Contains(escape.Handle) && !_return.Handles.Contains(escape.Handle) && !GivenBack(finalArguments, escape.Handle)
                    && !ReturnedInside(escape))
                {
                    kept.Add(escape);
                }
            }

            return kept;
        }

        /// <summary>
        /// Whether the handle is stored in an object the body returns (<c>var result = new DmaAddr[n]; result[i] =
        /// map(…); return result;</c>): the caller gets the mappings, and with them the duty to check them.
        /// </summary>
        private bool ReturnedInside(HandleUse escape)
        {
            if (_return.Objects.IsEmpty || _escapeTargets == null || !_escapeTargets.TryGetValue(escape, out var into))
            {
                return false;
            }

            foreach (var obj in into)
            {
                if (_return.Objects.Contains(obj)) return true;
            }

            return false;
        }

        private static bool GivenBack(ImmutableArray<AbstractValue> finalArguments, Origin handle)
        {
            foreach (var argument in finalArguments)
            {
                if (argument.Handles.Contains(handle)) return true;
            }

            return false;
        }

        /// <summary>
        /// The arguments as a callee's context: each argument's handles become its parameter's handle, so that calls
        /// passing different mappings are one context (and the callee's verdicts are told back, see <see cref="TakeCalleeHandles"/>).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static ImmutableArray<AbstractValue> HandlesAsParameters(ImmutableArray<AbstractValue> arguments)
        {
            ImmutableArray<AbstractValue>.Builder? replaced = null;
            for (int i = 0; i < arguments.Length; i++)
            {
                var handles = arguments[i].Handles;
                if (handles.IsEmpty)
                {
                    continue;
                }

                bool mapping = false;
                var kept = ValueSet<Origin>.Empty;
                foreach (var handle in handles)
                {
                    mapping |= IsMappingHandle(handle);
                    if (handle.Kind == OriginKind.AtomicQuery) kept = kept.Add(handle);
                }

                // A bool about a mapping (whether it failed) means nothing to the callee, which cannot unmap it; flags an
                // in_atomic() answer chose stay what they are (the callee's allocation is the one it chose for).
                replaced ??= arguments.ToBuilder();
                replaced[i] = arguments[i].WithHandles(mapping ? kept.Add(Origin.ForParameter(i)) : kept);
            }

            return replaced?.MoveToImmutable() ?? arguments;
        }

        /// <summary>
        /// What a callee did to the handles this call gave it, in the caller's terms: its uses of a parameter's handle
        /// are uses of the argument's handles unless this method had checked them before the call (its stores of one
        /// are this method's stores, judged when this method returns); its own uses are passed on as they are; then
        /// what it checked of its parameters' handles is checked here too.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void TakeCalleeHandles(CallResult result, ImmutableArray<AbstractValue> ordered)
        {
            foreach (var use in result.HandleUses)
            {
                if (use.Handle.Kind != OriginKind.ParameterHandle)
                {
                    AddHandleUse(use);
                    continue;
                }

                if (use.Handle.Ordinal < ordered.Length)
                {
                    foreach (var handle in ordered[use.Handle.Ordinal].Handles)
                    {
                        if (!IsMappingHandle(handle) || _state.Checked.Contains(handle)) continue;
                        if (use.Kind == HandleUseKind.Use) AddHandleUse(use.For(handle));
                        else AddEscape(use.For(handle));
                    }
                }
            }

            if (result.ExitState is { } exit)
            {
                foreach (var handle in exit.Checked)
                {
                    if (handle.Kind == OriginKind.ParameterHandle && handle.Ordinal < ordered.Length)
                    {
                        CheckHandles(ordered[handle.Ordinal]);
                    }
                }
            }
        }

        /// <summary>
        /// A value a callee gave back (its return, an out argument, a field of an object the caller holds), in the
        /// caller's terms: a parameter's handle is the argument's (and a bool about it, about the argument's); a
        /// mapping the callee made becomes a mapping made by this call: the caller owns it now (it is live here), and
        /// has the duty to check it unless the callee checked it on every way out. <paramref name="resite"/> false
        /// drops the callee's own mappings instead (a field the callee stored into: its store is already the callee's).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CalleeValueHere(AbstractValue value, CallResult result, ImmutableArray<AbstractValue> ordered, IOperation call, string callee, bool resite)
        {
            if (value.Handles.IsEmpty)
            {
                return value;
            }

            var handles = ValueSet<Origin>.Empty;
            foreach (var handle in value.Handles)
            {
                if (handle.Kind is OriginKind.AtomicQuery or OriginKind.Buffer)
                {
                    handles = handles.Add(handle);
                    continue;
                }

                var subject = handle.Subject ?? handle;
                if (subject.Kind == OriginKind.ParameterHandle)
                {
                    if (subject.Ordinal >= ordered.Length) continue;
                    foreach (var argument in ordered[subject.Ordinal].Handles)
                    {
                        if (!IsMappingHandle(argument)) continue;
                        handles = handles.Add(handle.Subject == null ? argument : argument.FailedWhen(handle.Kind == OriginKind.FailedWhenTrue));
                    }
                }
                else if (resite)
                {
                    var mine = _run.MadeByCall(call, subject, callee);
                    if (handle.Subject != null)
                    {
                        handles = handles.Add(mine.FailedWhen(handle.Kind == OriginKind.FailedWhenTrue));
                        continue;
                    }

                    handles = handles.Add(mine);
                    if (result.ExitState?.Checked.Contains(handle) ?? false)
                    {
                        _state = _state.WithChecked(_state.Checked.Add(mine));
                    }

                    if (mine.Kind == OriginKind.Mapping)
                    {
                        _state = _state.WithLive(_state.Live.Add(mine));
                    }
                }
            }

            return value.WithHandles(handles);
        }
    }
}
