using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>Transfer functions for expressions, assignments, fields, elements and objects.</summary>
    internal sealed partial class MethodFlow
    {
        private AbstractValue? _implicitReceiver;

        // The value a pattern is matched against, while its property subpatterns' members are read.
        private AbstractValue? _patternInput;

        /// <summary>Flow captures of a storage location (an element, field, property, local): assigning the capture assigns it.</summary>
        private readonly System.Collections.Generic.Dictionary<CaptureId, IOperation> _captureTargets =
            new System.Collections.Generic.Dictionary<CaptureId, IOperation>();

        [MethodImpl(HotPath.Optimized)]
        private static bool IsStorage(IOperation operation) =>
            operation is ILocalReferenceOperation || operation is IParameterReferenceOperation || operation is IFieldReferenceOperation
            || operation is IArrayElementReferenceOperation || operation is IPropertyReferenceOperation;

        /// <summary>Ref locals and the storage they were bound to (an element, a field): reads and writes go there.</summary>
        private readonly System.Collections.Generic.Dictionary<ILocalSymbol, IOperation> _refTargets =
            new System.Collections.Generic.Dictionary<ILocalSymbol, IOperation>(FlowState.LocalComparer);

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Eval(IOperation? operation)
        {
            if (operation == null)
            {
                return AbstractValue.Bottom;
            }

            Step();
            var value = EvalCore(operation);
            if (!_state.Decided.IsEmpty)
            {
                value = ChosenByQueries(operation, value);
            }

            // A bool computed where every path already checked that no bounce is needed says "safe" whatever it is,
            // for the devices checked: the && and || of a compound check store such constants, and a helper returns
            // them. A check made there keeps its own polarity, for its device and those: its true edge guards both.
            if (_state.Guard is not { } guard || operation.Type?.SpecialType != SpecialType.System_Boolean)
            {
                return value;
            }

            if (value.Guard == GuardPolarity.SafeWhenTrue || value.Guard == GuardPolarity.SafeWhenFalse)
            {
                return guard.IsAny || value.GuardSubject.IsEmpty
                    ? value.WithGuard(value.Guard, ValueSet<ObjectId>.Empty)
                    : value.WithGuard(value.Guard, value.GuardSubject.Union(guard.Devices));
            }

            return value.WithGuard(GuardPolarity.SafeEither, guard.Devices);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalCore(IOperation operation)
        {
            if (operation.ConstantValue.HasValue)
            {
                return Constant(operation);
            }

            switch (operation.Kind)
            {
                case OperationKind.FlowCapture:
                    {
                        var capture = (IFlowCaptureOperation)operation;
                        // Storage the graph captured only to assign to is not read (see CaptureUses); the assignment
                        // evaluates its receiver and indices.
                        bool assignedOnly = IsStorage(capture.Value) && CaptureUses.IsAssignedOnly(_graph, capture.Id);
                        var value = assignedOnly ? AbstractValue.Bottom : Eval(capture.Value);
                        ISymbol? source = capture.Value switch
                        {
                            ILocalReferenceOperation local => local.Local,
                            IParameterReferenceOperation parameter => parameter.Parameter,
                            _ => null,
                        };
                        if (source != null) _captureSources[capture.Id] = source;
                        else _captureSources.Remove(capture.Id);
                        if (IsStorage(capture.Value)) _captureTargets[capture.Id] = capture.Value;
                        else _captureTargets.Remove(capture.Id);
                        _state = _state.WithVariable(capture.Id, value);
                        return value;
                    }

                case OperationKind.FlowCaptureReference:
                    return _state.TryGetVariable(((IFlowCaptureReferenceOperation)operation).Id) ?? AbstractValue.Bottom;

                case OperationKind.LocalReference:
                    {
                        var local = (ILocalReferenceOperation)operation;
                        return _refTargets.TryGetValue(local.Local, out var refTarget)
                            ? Eval(refTarget)
                            : LocalStorage(local.Local, _state.TryGetVariable(local.Local) ?? AbstractValue.Bottom);
                    }

                case OperationKind.ParameterReference:
                    {
                        var parameter = (IParameterReferenceOperation)operation;
                        return IsCapturedPrimaryParameter(parameter.Parameter)
                            ? ReadMember(_this ?? AbstractValue.Bottom, PrimaryParameterKey(parameter.Parameter), fieldSummary: true)
                            : _state.TryGetVariable(parameter.Parameter) ?? AbstractValue.Bottom;
                    }

                case OperationKind.InstanceReference:
                    {
                        var instance = (IInstanceReferenceOperation)operation;
                        return instance.ReferenceKind == InstanceReferenceKind.ImplicitReceiver && _implicitReceiver != null
                            ? _implicitReceiver
                            : instance.ReferenceKind == InstanceReferenceKind.PatternInput && _patternInput != null
                            ? _patternInput
                            : _this ?? AbstractValue.Bottom;
                    }

                case OperationKind.FieldReference:
                    return ReadField((IFieldReferenceOperation)operation);

                case OperationKind.PropertyReference:
                    return ReadProperty((IPropertyReferenceOperation)operation);

                case OperationKind.ArrayElementReference:
                    {
                        var element = (IArrayElementReferenceOperation)operation;
                        var array = Eval(element.ArrayReference);
                        foreach (var index in element.Indices) Eval(index);
                        return SlotKey(element, array) is { } slot && _state.Heap.TryGetValue(slot, out var exact) ? exact : ReadElements(array);
                    }

                case OperationKind.SimpleAssignment:
                    {
                        var assignment = (ISimpleAssignmentOperation)operation;
                        if (assignment.IsRef && assignment.Target is ILocalReferenceOperation refLocal)
                        {
                            // ref var slot = ref ring[i]: the local is another name for that storage from here on.
                            _refTargets[refLocal.Local] = assignment.Value;
                            var refValue = Eval(assignment.Value);
                            _state = _state.WithVariable(refLocal.Local, refValue);
                            return refValue;
                        }

                        var value = Eval(assignment.Value);
                        Assign(assignment.Target, value, assignment.Syntax);
                        return value;
                    }

                case OperationKind.CompoundAssignment:
                    {
                        var compound = (ICompoundAssignmentOperation)operation;
                        var current = Eval(compound.Target);
                        var value = Binary(compound.OperatorKind, current, Eval(compound.Value), compound.Type);
                        Assign(compound.Target, value, compound.Syntax);
                        return value;
                    }

                case OperationKind.Increment:
                case OperationKind.Decrement:
                    {
                        var increment = (IIncrementOrDecrementOperation)operation;
                        var current = Eval(increment.Target);
                        long delta = increment.Kind == OperationKind.Increment ? 1 : -1;
                        var value = current.WithConsts(current.Consts.Map(v => v + delta));
                        Assign(increment.Target, value, increment.Syntax);
                        return increment.IsPostfix ? current : value;
                    }

                case OperationKind.DeconstructionAssignment:
                    {
                        var deconstruction = (IDeconstructionAssignmentOperation)operation;
                        var value = Eval(deconstruction.Value);
                        AssignDeconstruction(deconstruction.Target, value, deconstruction.Value.Type, deconstruction.Syntax);
                        return value;
                    }

                case OperationKind.DeclarationExpression:
                    return Eval(((IDeclarationExpressionOperation)operation).Expression);

                case OperationKind.Tuple:
                    return NewTuple((ITupleOperation)operation);

                case OperationKind.Conversion:
                    return EvalConversion((IConversionOperation)operation);

                case OperationKind.Binary:
                    return EvalBinary((IBinaryOperation)operation);

                case OperationKind.Unary:
                    return EvalUnary((IUnaryOperation)operation);

                case OperationKind.Invocation:
                    return EvalInvocation((IInvocationOperation)operation);

                case OperationKind.ObjectCreation:
                    return EvalObjectCreation((IObjectCreationOperation)operation);

                case OperationKind.ArrayCreation:
                    return EvalArrayCreation((IArrayCreationOperation)operation);

                case OperationKind.FlowAnonymousFunction:
                    return AbstractValue.ForCallable(Callable.ForLambda((IFlowAnonymousFunctionOperation)operation, _graph, _state));

                case OperationKind.DelegateCreation:
                    return Eval(((IDelegateCreationOperation)operation).Target);

                case OperationKind.MethodReference:
                    {
                        var methodReference = (IMethodReferenceOperation)operation;
                        Eval(methodReference.Instance);
                        return AbstractValue.ForCallable(Callable.ForMethod(methodReference.Method, _graph, _state));
                    }

                case OperationKind.Argument:
                    return Eval(((IArgumentOperation)operation).Value);

                case OperationKind.Await:
                    return Eval(((IAwaitOperation)operation).Operation);

                case OperationKind.Return:
                case OperationKind.YieldReturn:
                case OperationKind.YieldBreak:
                    {
                        var returnOperation = (IReturnOperation)operation;
                        // yield return stays an operation in the graph; its values are what the iterator returns.
                        var value = Eval(returnOperation.ReturnedValue);
                        _return = _return.Join(value);
                        return value;
                    }

                case OperationKind.IsNull:
                    {
                        var isNull = (IIsNullOperation)operation;
                        Eval(isNull.Operand);
                        return AbstractValue.UnknownConstant;
                    }

                case OperationKind.IsType:
                    {
                        var isType = (IIsTypeOperation)operation;
                        Eval(isType.ValueOperand);
                        return AbstractValue.UnknownConstant;
                    }

                case OperationKind.IsPattern:
                    {
                        var isPattern = (IIsPatternOperation)operation;
                        var value = Eval(isPattern.Value);
                        BindPattern(isPattern.Pattern, value);
                        var guard = BoolPatternGuard(isPattern.Pattern, value.Guard);
                        return guard == GuardPolarity.None ? AbstractValue.UnknownConstant : AbstractValue.UnknownConstant.WithGuard(guard);
                    }

                default:
                    return EvalChildren(operation);
            }
        }

        /// <summary>
        /// A check written as a pattern on a bool (<c>dev_is_dma_coherent(dev) is true</c>, <c>is false</c>,
        /// <c>is not true</c>, or a switch expression's <c>true =&gt;</c> arm, which the graph turns into such a test)
        /// guards as the bool does: safe on the same outcome when the pattern matches true, on the other when it
        /// matches false.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static GuardPolarity BoolPatternGuard(IPatternOperation pattern, GuardPolarity guard)
        {
            bool negated = false;
            while (pattern is INegatedPatternOperation not)
            {
                negated = !negated;
                pattern = not.Pattern;
            }

            if (guard == GuardPolarity.None || pattern is not IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool matched } })
            {
                return GuardPolarity.None;
            }

            return matched != negated ? guard : AbstractValue.FlipGuard(guard);
        }

        /// <summary>Anything not modelled: evaluate the parts for their effects; the result may hold what they hold.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalChildren(IOperation operation)
        {
            var result = AbstractValue.Bottom;
            foreach (var child in operation.ChildOperations)
            {
                result = result.Join(Eval(child));
            }

            return Shape(result, operation.Type, unknownIfNumeric: true);
        }

        /// <summary>Keeps of a value what its type can hold: numbers keep constants, everything else keeps buffers.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static AbstractValue Shape(AbstractValue value, ITypeSymbol? type, bool unknownIfNumeric)
        {
            if (TypeFacts.IsIntegralLike(type))
            {
                var consts = unknownIfNumeric ? ConstSet.Unknown : value.Consts;
                return AbstractValue.Bottom.WithConsts(consts).WithFlagSites(value.FlagSites).WithGuard(value.Guard).WithHandles(value.Handles);
            }

            if (TypeFacts.CannotCarryBuffer(type))
            {
                // A DMA address carries no buffer, but it is a mapping handle.
                return AbstractValue.Bottom.WithHandles(value.Handles);
            }

            return value.WithConsts(ConstSet.Bottom).WithGuard(GuardPolarity.None);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Constant(IOperation operation)
        {
            var constant = operation.ConstantValue.Value;
            if (constant == null && !TypeFacts.IsIntegralLike(operation.Type))
            {
                return AbstractValue.Bottom;
            }

            long value = constant is bool b ? (b ? 1 : 0) : constant is char c ? c : unchecked((long)Model.KernelSymbols.ToUInt64(constant));
            if (value >= 0 && value < AbstractValue.SmallConstantCount)
            {
                // Made once for the whole analysis; a small constant carries no flag.
                return AbstractValue.Constant(value);
            }

            // A flag word is evaluated at every visit of it, in every context and round: its value (with where
            // __GFP_PACKED was written in it, found by walking the expression) is made once per operation.
            if (_run.TryGetConstant(operation, out var known))
            {
                return known;
            }

            var result = AbstractValue.Constant(value);
            if (_flow.Kernel.GfpPacked != 0 && (unchecked((ulong)value) & _flow.Kernel.GfpPacked) != 0)
            {
                var sites = PackedFlagReferences(operation);
                if (!sites.IsEmpty)
                {
                    result = result.WithFlagSites(sites);
                }
            }

            _run.KeepConstant(operation, result);
            return result;
        }

        /// <summary>Where <c>__GFP_PACKED</c> is written inside a folded constant: what the code fix edits.</summary>
        [MethodImpl(HotPath.Optimized)]
        private ValueSet<Location> PackedFlagReferences(IOperation operation)
        {
            var sites = ValueSet<Location>.Empty;
            foreach (var node in operation.DescendantsAndSelf())
            {
                if (node is IFieldReferenceOperation reference && _flow.Kernel.IsGfpPackedField(reference.Field))
                {
                    sites = sites.Add(reference.Syntax.GetLocation());
                }
            }

            return sites;
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalConversion(IConversionOperation conversion)
        {
            var operand = Eval(conversion.Operand);
            if (conversion.OperatorMethod != null && _flow.TryGetBody(conversion.OperatorMethod) is { } body)
            {
                return CallBody(body, conversion.OperatorMethod, null, ImmutableArray.Create(operand), conversion, ImmutableArray<IArgumentOperation>.Empty);
            }

            if (TypeFacts.IsIntegralLike(conversion.Type))
            {
                return AbstractValue.Bottom.WithConsts(operand.Consts.IsBottom ? ConstSet.Unknown : operand.Consts)
                    .WithFlagSites(operand.FlagSites).WithGuard(operand.Guard).WithHandles(operand.Handles);
            }

            return Shape(operand, conversion.Type, unknownIfNumeric: false);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalBinary(IBinaryOperation binary)
        {
            var left = Eval(binary.LeftOperand);
            var right = Eval(binary.RightOperand);
            var failure = left.Handles.IsEmpty && right.Handles.IsEmpty ? null : CompareHandles(binary, left, right);
            if (binary.OperatorMethod != null && _flow.TryGetBody(binary.OperatorMethod) is { } body)
            {
                return CallBody(body, binary.OperatorMethod, null, ImmutableArray.Create(left, right), binary, ImmutableArray<IArgumentOperation>.Empty);
            }

            var result = Binary(binary.OperatorKind, left, right, binary.Type);
            return failure == null || failure.Handles.IsEmpty ? result : result.WithHandles(result.Handles.Union(failure.Handles));
        }

        [MethodImpl(HotPath.Optimized)]
        private static AbstractValue Binary(BinaryOperatorKind kind, AbstractValue left, AbstractValue right, ITypeSymbol? type)
        {
            var leftConsts = left.Consts.IsBottom ? ConstSet.Unknown : left.Consts;
            var rightConsts = right.Consts.IsBottom ? ConstSet.Unknown : right.Consts;
            ConstSet consts;
            switch (kind)
            {
                case BinaryOperatorKind.Add: consts = leftConsts.Combine(rightConsts, (a, b) => unchecked(a + b)); break;
                case BinaryOperatorKind.Subtract: consts = leftConsts.Combine(rightConsts, (a, b) => unchecked(a - b)); break;
                case BinaryOperatorKind.Multiply: consts = leftConsts.Combine(rightConsts, (a, b) => unchecked(a * b)); break;
                case BinaryOperatorKind.Divide: consts = leftConsts.Combine(rightConsts, (a, b) => b == 0 ? (long?)null : a / b); break;
                case BinaryOperatorKind.Remainder: consts = leftConsts.Combine(rightConsts, (a, b) => b == 0 ? (long?)null : a % b); break;
                case BinaryOperatorKind.And: consts = leftConsts.Combine(rightConsts, (a, b) => a & b); break;
                case BinaryOperatorKind.Or: consts = leftConsts.Combine(rightConsts, (a, b) => a | b); break;
                case BinaryOperatorKind.ExclusiveOr: consts = leftConsts.Combine(rightConsts, (a, b) => a ^ b); break;
                case BinaryOperatorKind.LeftShift: consts = leftConsts.Combine(rightConsts, (a, b) => a << (int)(b & 63)); break;
                case BinaryOperatorKind.RightShift: consts = leftConsts.Combine(rightConsts, (a, b) => a >> (int)(b & 63)); break;
                case BinaryOperatorKind.Equals: consts = leftConsts.Combine(rightConsts, (a, b) => a == b ? 1 : 0); break;
                case BinaryOperatorKind.NotEquals: consts = leftConsts.Combine(rightConsts, (a, b) => a != b ? 1 : 0); break;
                default: consts = ConstSet.Unknown; break;
            }

            // "flags & ~__GFP_PACKED" clears the flag: the sites it came from no longer matter.
            var flagSites = kind == BinaryOperatorKind.And ? ValueSet<Location>.Empty : left.FlagSites.Union(right.FlagSites);
            var guard = GuardPolarity.None;
            if ((kind == BinaryOperatorKind.Equals || kind == BinaryOperatorKind.NotEquals) && IsBoolConstant(right, out bool constant))
            {
                // dev_is_dma_coherent(dev) == false, needs_bounce != true …
                bool same = (kind == BinaryOperatorKind.Equals) == constant;
                guard = same ? left.Guard : Flip(left.Guard);
            }

            if (TypeFacts.IsIntegralLike(type))
            {
                return AbstractValue.Bottom.WithConsts(consts).WithFlagSites(flagSites).WithGuard(guard);
            }

            return Shape(left.Join(right), type, unknownIfNumeric: false);
        }

        [MethodImpl(HotPath.Optimized)]
        private static bool IsBoolConstant(AbstractValue value, out bool constant)
        {
            bool known = value.Consts.TryGetSingle(out long single);
            constant = known && single != 0;
            return known;
        }

        private static GuardPolarity Flip(GuardPolarity guard) => AbstractValue.FlipGuard(guard);

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalUnary(IUnaryOperation unary)
        {
            var operand = Eval(unary.Operand);
            if (unary.OperatorMethod != null && _flow.TryGetBody(unary.OperatorMethod) is { } body)
            {
                return CallBody(body, unary.OperatorMethod, null, ImmutableArray.Create(operand), unary, ImmutableArray<IArgumentOperation>.Empty);
            }

            var consts = operand.Consts.IsBottom ? ConstSet.Unknown : operand.Consts;
            switch (unary.OperatorKind)
            {
                case UnaryOperatorKind.Not:
                    return AbstractValue.Bottom.WithConsts(consts.Map(v => v == 0 ? 1 : 0)).WithGuard(Flip(operand.Guard)).WithHandles(Negated(operand.Handles));
                case UnaryOperatorKind.BitwiseNegation:
                    return AbstractValue.Bottom.WithConsts(consts.Map(v => ~v));
                case UnaryOperatorKind.Minus:
                    return AbstractValue.Bottom.WithConsts(consts.Map(v => -v));
                default:
                    return operand;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadField(IFieldReferenceOperation reference)
        {
            var field = reference.Field;
            if (field.IsStatic)
            {
                return WithSymbolicObject(_state.TryGetVariable(field) ?? _run.ReadGlobalField(CompilationFlow.SymbolKey(field)), field);
            }

            var receiver = Eval(reference.Instance);
            return ReadObjectMember(receiver, field, fieldSummary: !field.ContainingType.IsTupleType);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadProperty(IPropertyReferenceOperation reference)
        {
            var property = reference.Property;
            var receiver = reference.Instance == null ? null : Eval(reference.Instance);
            if (receiver != null)
            {
                var backingField = _flow.BackingField(property, out var getterBody);
                if (getterBody != null)
                {
                    // Whether the read is the field's depends on the getter's code, analysed or not.
                    _run.Touch(getterBody);
                }

                if (backingField != null)
                {
                    // The getter only returns a field of the object: read the field, as this method's state knows it.
                    return ReadObjectMember(receiver, backingField, fieldSummary: true);
                }
            }

            var arguments = EvalArguments(reference.Arguments);
            var getter = property.GetMethod;
            var returned = getter == null ? null : CallDispatch(getter, receiver, arguments, reference, reference.Arguments);
            var storage = property.IsIndexer || property.IsStatic ? System.Array.Empty<IPropertySymbol>() : _flow.PropertyStorage(property);
            if (storage.Count > 0)
            {
                // Auto-properties this one is, or that implement it: what the object stored, with what bodies returned.
                var stored = AbstractValue.Bottom;
                foreach (var implementation in storage)
                {
                    stored = stored.Join(ReadMember(receiver ?? AbstractValue.Bottom, MemberKey(implementation), fieldSummary: true));
                }

                return WithSymbolicObject(returned == null ? stored : returned.Join(stored), property);
            }

            if (returned != null)
            {
                return returned;
            }

            if (property.IsIndexer || !reference.Arguments.IsEmpty)
            {
                var element = Shape(ReadElements(receiver ?? AbstractValue.Bottom), property.Type, unknownIfNumeric: true);

                // A library collection's device (Machine.Current.Devices[0]) was created where the analysis cannot see.
                return IsDevice(property.Type) && !IsAutoProperty(property) ? element.WithObjects(element.Objects.Add(ObjectId.UnknownDevice)) : element;
            }

            if (IsAutoProperty(property))
            {
                return property.IsStatic
                    ? WithSymbolicObject(_state.TryGetVariable(property) ?? _run.ReadGlobalField(CompilationFlow.SymbolKey(property)), property)
                    : ReadObjectMember(receiver ?? AbstractValue.Bottom, property, fieldSummary: true);
            }

            // A library property (Count, Values, Span …): it may expose what its object holds.
            return Conservative(property.Type, receiver, arguments);
        }

        /// <summary>
        /// A property of this compilation (asking a symbol for its locations allocates them, and this is asked at every
        /// property access) that is not abstract.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool IsAutoProperty(IPropertySymbol property) =>
            SymbolEqualityComparer.Default.Equals(property.ContainingAssembly, _flow.Compilation.Assembly) && !property.IsAbstract;

        /// <summary>
        /// A local of a struct type declared in source (or a tuple) is storage of its own: <c>Desc d = default;</c> or
        /// <c>Desc d;</c> followed by <c>d.Buf = …</c> has no object from a creation, so it stands for an object named
        /// by its declaration, and two such locals keep their fields apart.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue LocalStorage(ILocalSymbol local, AbstractValue value)
        {
            if (!value.Objects.IsEmpty || !TypeFacts.IsCompositeValueType(local.Type))
            {
                return value;
            }

            var storage = _run.LocalObject(local);
            return storage == null ? value : value.WithObjects(storage.Value.Objects);
        }

        /// <summary>
        /// A field or auto-property of the objects the receiver may be. Where each of them was created at a known place
        /// and its member written in the code analysed, the value is what was written there; otherwise it also stands
        /// for an object whose creation is unseen (see <see cref="WithSymbolicObject"/>), which would join every
        /// object's member of that name: two rings' slot arrays would share their elements through it.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadObjectMember(AbstractValue receiver, ISymbol member, bool fieldSummary)
        {
            var value = ReadMember(receiver, MemberKey(member), fieldSummary, out bool allKnown);
            return WithSymbolicObject(value, member, withUnseenObject: !allKnown);
        }

        /// <summary>Values read from fields and properties of reference type stand for an object even when its creation is unseen.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static AbstractValue WithSymbolicObject(AbstractValue value, ISymbol member, bool withUnseenObject = true)
        {
            var type = member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;
            if (!TypeFacts.IsReferenceLike(type))
            {
                return Shape(value, type, unknownIfNumeric: false);
            }

            if (!withUnseenObject)
            {
                return value;
            }

            var symbolic = ObjectId.ForMember(member);
            // Mostly the value holds no object yet: the member's object alone is a set made once.
            return value.WithObjects(value.Objects.IsEmpty ? symbolic.Value.Objects : value.Objects.Add(symbolic));
        }

        [MethodImpl(HotPath.Optimized)]
        private static string MemberKey(ISymbol member)
        {
            if (member is IFieldSymbol field && field.ContainingType.IsTupleType)
            {
                return (field.CorrespondingTupleField ?? field).Name;
            }

            return CompilationFlow.SymbolKey(member);
        }

        /// <summary>A member of every object the receiver may be; what this method wrote wins, then what anyone wrote.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadMember(AbstractValue receiver, string member, bool fieldSummary) =>
            ReadMember(receiver, member, fieldSummary, out _);

        /// <param name="allKnown">Whether every object the receiver may be was created at a known place and had the member written.</param>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadMember(AbstractValue receiver, string member, bool fieldSummary, out bool allKnown)
        {
            var result = AbstractValue.Bottom;
            allKnown = !receiver.Objects.IsEmpty;
            foreach (var obj in receiver.Objects)
            {
                var key = new HeapKey(obj, member);
                if (_state.Heap.TryGetValue(key, out var local))
                {
                    result = result.Join(local);
                    continue;
                }

                if (_run.ReadGlobalHeap(key) is { } global)
                {
                    result = result.Join(global);
                    // What was stored into an object created at a known site is that object's own state; a symbolic
                    // object (a field, parameter or 'this' whose creation is unseen) may be any object of its class.
                    allKnown &= obj.IsAllocationSite;
                    continue;
                }

                allKnown = false;
            }

            if (!allKnown && fieldSummary)
            {
                result = result.Join(_run.ReadGlobalField(member));
            }

            return result;
        }

        /// <summary>The elements of an array or collection; a container with unseen elements gets a symbolic element object.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ReadElements(AbstractValue container)
        {
            var result = container.WithObjects(ValueSet<ObjectId>.Empty).WithConsts(ConstSet.Bottom).WithGuard(GuardPolarity.None)
                .WithFlagSites(ValueSet<Location>.Empty);
            List<ObjectId>? elements = null;
            foreach (var obj in container.Objects)
            {
                var key = new HeapKey(obj, HeapKey.Elements);
                if (_state.Heap.TryGetValue(key, out var local))
                {
                    result = result.Join(local);
                }
                else if (_run.ReadGlobalHeap(key) is { } global)
                {
                    result = result.Join(global);
                }

                if (obj.Key.Length < 512)
                {
                    (elements ??= new List<ObjectId>()).Add(obj.Element);
                }
            }

            // The element objects in one set, not one union per container (quadratic for many containers).
            return elements == null ? result
                : elements.Count == 1 ? result.Join(elements[0].Value)
                : result.Join(AbstractValue.Bottom.WithObjects(ValueSet<ObjectId>.CreateRange(elements)));
        }

        [MethodImpl(HotPath.Optimized)]
        private void WriteMember(AbstractValue receiver, string member, AbstractValue value, bool fieldSummary, bool weak)
        {
            var heap = _state.Heap;
            bool strong = !weak && receiver.Objects.Count == 1;
            foreach (var obj in receiver.Objects)
            {
                var key = new HeapKey(obj, member);
                // A weak write keeps what the storage held: this method's value for it, or else, for a field, what
                // any method stored (so that a caller can take a callee's fields as its exit state holds them).
                // Elements are always written weakly and never taken from a callee: they keep only this method's
                // values (pulling in every element ever stored cost 17% more steps on driver code).
                var held = strong ? null
                    : heap.TryGetValue(key, out var existing) ? existing
                    : member == HeapKey.Elements ? null
                    : _run.ReadGlobalHeap(key);
                heap = heap.SetItem(key, held == null ? value : held.Join(value));
                _run.WriteGlobalHeap(key, value);
            }

            _state = _state.WithHeap(heap);
            if (fieldSummary)
            {
                _run.WriteGlobalField(member, value);
            }
        }

        /// <summary>
        /// Elements may be any of the container's: every element's value gains <paramref name="value"/>, and so does
        /// every single element this method knows by its index (the write may have gone to it).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void WriteElements(AbstractValue container, AbstractValue value)
        {
            WriteMember(container, HeapKey.Elements, value, fieldSummary: false, weak: true);
            var heap = _state.Heap;
            foreach (var pair in _state.Heap)
            {
                if (pair.Key.IsSlot && container.Objects.Contains(pair.Key.Object))
                {
                    heap = heap.SetItem(pair.Key, pair.Value.Join(value));
                }
            }

            _state = _state.WithHeap(heap);
        }

        /// <summary>
        /// The storage of one array element at a constant index, when the array is one known object: where a write
        /// replaces what the element held. Kept in this method's state only; the compilation's summaries know the
        /// array's elements as a whole.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static HeapKey? SlotKey(IArrayElementReferenceOperation element, AbstractValue array)
        {
            if (array.Objects.Count != 1 || element.Indices.Length != 1 || element.Indices[0].ConstantValue is not { HasValue: true, Value: int index })
            {
                return null;
            }

            foreach (var obj in array.Objects)
            {
                return HeapKey.Slot(obj, index);
            }

            return null;
        }

        [MethodImpl(HotPath.Optimized)]
        private void Assign(IOperation target, AbstractValue value, SyntaxNode step)
        {
            if (!value.Handles.IsEmpty && target is IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation)
            {
                EscapeHandles(target, value, step);
            }

            switch (target)
            {
                case ILocalReferenceOperation local when _refTargets.TryGetValue(local.Local, out var refTarget):
                    Assign(refTarget, value, step);
                    break;
                case ILocalReferenceOperation local:
                    _state = _state.WithVariable(local.Local, value);
                    break;
                case IParameterReferenceOperation parameter when IsCapturedPrimaryParameter(parameter.Parameter):
                    WriteMember(_this ?? AbstractValue.Bottom, PrimaryParameterKey(parameter.Parameter), value.WithStep(step), fieldSummary: true, weak: false);
                    break;
                case IParameterReferenceOperation parameter:
                    _state = _state.WithVariable(parameter.Parameter, value);
                    break;
                case IFlowCaptureReferenceOperation capture:
                    _state = _state.WithVariable(capture.Id, value);
                    if (_captureTargets.TryGetValue(capture.Id, out var storage))
                    {
                        // The graph captured the assignment's target itself (`a[i] = c ? x : y` captures `a[i]`
                        // before the branches): the write goes to that storage.
                        Assign(storage, value, step);
                    }

                    break;
                case IFieldReferenceOperation field:
                    {
                        var stored = value.WithStep(step);
                        if (field.Field.IsStatic)
                        {
                            _state = _state.WithVariable(field.Field, stored);
                            _run.WriteGlobalField(CompilationFlow.SymbolKey(field.Field), stored);
                        }
                        else
                        {
                            WriteMember(Eval(field.Instance), MemberKey(field.Field), stored, fieldSummary: !field.Field.ContainingType.IsTupleType, weak: false);
                        }

                        break;
                    }

                case IPropertyReferenceOperation property:
                    AssignProperty(property, value.WithStep(step));
                    break;
                case IArrayElementReferenceOperation element:
                    {
                        var array = Eval(element.ArrayReference);
                        foreach (var index in element.Indices) Eval(index);
                        var stored = value.WithStep(step);
                        WriteElements(array, stored);
                        if (SlotKey(element, array) is { } slot)
                        {
                            // One known element of one array: this write replaces what it held (the elements as a
                            // whole keep every value, for reads at other or unknown indices).
                            _state = _state.WithHeap(_state.Heap.SetItem(slot, stored));
                        }

                        break;
                    }

                case IDeclarationExpressionOperation declaration:
                    Assign(declaration.Expression, value, step);
                    break;
                case ITupleOperation tuple:
                    AssignDeconstruction(tuple, value, null, step);
                    break;
                case IConversionOperation conversion:
                    Assign(conversion.Operand, value, step);
                    break;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void AssignProperty(IPropertyReferenceOperation reference, AbstractValue value)
        {
            var property = reference.Property;
            var receiver = reference.Instance == null ? null : Eval(reference.Instance);
            var arguments = EvalArguments(reference.Arguments);
            var setter = property.SetMethod;
            bool followed = setter != null && CallDispatch(setter, receiver, arguments.Add(value), reference, reference.Arguments) != null;
            var storage = property.IsIndexer || property.IsStatic ? System.Array.Empty<IPropertySymbol>() : _flow.PropertyStorage(property);
            if (storage.Count > 0 && receiver != null)
            {
                // Through an interface or base property the object is one of several classes: none is overwritten for sure.
                bool weak = followed || storage.Count > 1;
                foreach (var implementation in storage)
                {
                    WriteMember(receiver, MemberKey(implementation), value, fieldSummary: true, weak);
                }

                return;
            }

            if (followed)
            {
                return;
            }

            if (property.IsIndexer || !reference.Arguments.IsEmpty)
            {
                if (receiver != null) WriteElements(receiver, value);
                return;
            }

            if (property.IsStatic)
            {
                _state = _state.WithVariable(property, value);
                _run.WriteGlobalField(CompilationFlow.SymbolKey(property), value);
            }
            else if (receiver != null)
            {
                WriteMember(receiver, MemberKey(property), value, fieldSummary: true, weak: false);
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void AssignDeconstruction(IOperation target, AbstractValue value, ITypeSymbol? sourceType, SyntaxNode step)
        {
            if (target is IDeclarationExpressionOperation declaration)
            {
                target = declaration.Expression;
            }

            if (target is not ITupleOperation tuple)
            {
                Assign(target, value, step);
                return;
            }

            var deconstruct = sourceType is INamedTypeSymbol { IsTupleType: true } ? null : DeconstructMethod(sourceType, tuple.Elements.Length);
            for (int i = 0; i < tuple.Elements.Length; i++)
            {
                var (element, elementType) = Deconstructed(value, sourceType, deconstruct, i);
                AssignDeconstruction(tuple.Elements[i], element, elementType, step);
            }
        }

        private static IMethodSymbol? DeconstructMethod(ITypeSymbol? type, int arity)
        {
            foreach (var member in type?.GetMembers("Deconstruct") ?? ImmutableArray<ISymbol>.Empty)
            {
                if (member is IMethodSymbol method && method.Parameters.Length == arity)
                {
                    return method;
                }
            }

            return null;
        }

        /// <summary>
        /// What deconstructing a value gives at a position, in an assignment (<c>var (buf, len) = transfer;</c>) or a
        /// positional pattern: a tuple's element; a positional record's property (its generated Deconstruct hands
        /// them out in order, under their own names); for any other Deconstruct, whatever the value holds.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private (AbstractValue Value, ITypeSymbol? Type) Deconstructed(AbstractValue value, ITypeSymbol? type, IMethodSymbol? deconstruct, int index)
        {
            if (deconstruct == null && type is INamedTypeSymbol { IsTupleType: true } tuple && index < tuple.TupleElements.Length)
            {
                return (ReadMember(value, MemberKey(tuple.TupleElements[index]), fieldSummary: false), tuple.TupleElements[index].Type);
            }

            if (deconstruct is { ContainingType.IsRecord: true } && index < deconstruct.Parameters.Length)
            {
                foreach (var member in deconstruct.ContainingType.GetMembers(deconstruct.Parameters[index].Name))
                {
                    if (member is IPropertySymbol property)
                    {
                        return (ReadObjectMember(value, property, fieldSummary: true), property.Type);
                    }
                }
            }

            // No Deconstruct found (the type is not known here, or it is an extension): by element, as for a tuple.
            if (deconstruct == null)
            {
                return (ReadMember(value, "Item" + (index + 1), fieldSummary: false), null);
            }

            return (Reachable(value, ImmutableArray<AbstractValue>.Empty), null);
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue NewTuple(ITupleOperation tuple)
        {
            var obj = AbstractValue.ForObject(_run.SiteObject(tuple.Syntax, _heapContext));
            for (int i = 0; i < tuple.Elements.Length; i++)
            {
                WriteMember(obj, "Item" + (i + 1), Eval(tuple.Elements[i]), fieldSummary: false, weak: false);
            }

            return obj;
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalArrayCreation(IArrayCreationOperation creation)
        {
            foreach (var size in creation.DimensionSizes) Eval(size);
            var array = AbstractValue.ForObject(_run.SiteObject(creation.Syntax, _heapContext));
            if (creation.Initializer != null)
            {
                InitializeElements(array, creation.Initializer);
            }

            return array;
        }

        [MethodImpl(HotPath.Optimized)]
        private void InitializeElements(AbstractValue array, IArrayInitializerOperation initializer)
        {
            foreach (var element in initializer.ElementValues)
            {
                if (element is IArrayInitializerOperation nested)
                {
                    InitializeElements(array, nested);
                }
                else
                {
                    WriteElements(array, Eval(element).WithStep(element.Syntax));
                }
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue EvalObjectCreation(IObjectCreationOperation creation)
        {
            var created = _run.SiteObject(creation.Syntax, _heapContext);
            var obj = AbstractValue.ForObject(created);
            InitializeFreshMembers(created, creation.Type, depth: 0);
            var arguments = EvalArguments(creation.Arguments);
            if (creation.Constructor != null && _flow.TryGetBody(creation.Constructor) is { } body)
            {
                CallBody(body, creation.Constructor, obj, arguments, creation, creation.Arguments);
            }
            else if (creation.Constructor != null && IsPrimaryConstructor(creation.Constructor))
            {
                InitializeFromPrimaryConstructor(obj, creation.Constructor, ByOrdinal(creation.Arguments, arguments, creation.Constructor.Parameters.Length));
            }
            else if (arguments.Any(a => !a.Origins.IsEmpty || !a.Objects.IsEmpty))
            {
                // new List<KernelPtr>(other), new Holder(p) from a library: the object may hold what it was given.
                foreach (var argument in arguments)
                {
                    WriteElements(obj, argument.Join(ReadElements(argument)));
                }
            }

            if (creation.Initializer != null)
            {
                var saved = _implicitReceiver;
                _implicitReceiver = obj;
                foreach (var initializer in creation.Initializer.Initializers)
                {
                    Eval(initializer);
                }

                _implicitReceiver = saved;
            }

            return obj;
        }

        /// <summary>
        /// The object's own parts that its class's initializers make (<c>T[] _slots = new T[8];</c>; see
        /// <see cref="InitializerObjects"/>), stored before its constructor runs, as C# runs initializers first: each
        /// part is created at the initializer's place, named by this object, so two rings have two slot arrays.
        /// A part of a class with such initializers gets its own in turn, two levels deep.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void InitializeFreshMembers(ObjectId created, ITypeSymbol? type, int depth)
        {
            if (type is not { TypeKind: TypeKind.Class } || depth > 2)
            {
                return;
            }

            foreach (var fresh in _flow.InitializerObjects.Of(type))
            {
                var part = _run.SiteObject(fresh.Site, created.GetHashCode() | 1);
                WriteMember(created.Value, MemberKey(fresh.Member), part.Value, fieldSummary: false, weak: false);
                InitializeFreshMembers(part, fresh.Type, depth + 1);
            }
        }

        /// <summary>
        /// A primary constructor (<c>record Desc(KernelPtr Buf)</c>, <c>class Ring(KernelPtr buf)</c>) has no body to
        /// analyse: its parameters are the object's state. Each is stored as a member of the new object, and for a
        /// record also as the positional property the compiler declares for it.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void InitializeFromPrimaryConstructor(AbstractValue obj, IMethodSymbol constructor, ImmutableArray<AbstractValue> arguments)
        {
            foreach (var parameter in constructor.Parameters)
            {
                if (parameter.Ordinal >= arguments.Length || TypeFacts.CannotCarryBuffer(parameter.Type) && !TypeFacts.IsIntegralLike(parameter.Type))
                {
                    continue;
                }

                var value = arguments[parameter.Ordinal];
                WriteMember(obj, PrimaryParameterKey(parameter), value, fieldSummary: true, weak: false);
                foreach (var member in constructor.ContainingType.GetMembers(parameter.Name))
                {
                    if (member is IPropertySymbol { IsStatic: false } property
                        && property.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_flow.CancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.ParameterSyntax))
                    {
                        WriteMember(obj, MemberKey(property), value, fieldSummary: true, weak: false);
                    }
                }
            }
        }

        /// <summary>Declared on the type itself (its parameter list), not as a constructor with a body.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static bool IsPrimaryConstructor(IMethodSymbol constructor) =>
            constructor.MethodKind == MethodKind.Constructor
            && constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax);

        /// <summary>A primary constructor's parameter used outside the constructor: the object's state, read and written through <c>this</c>.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool IsCapturedPrimaryParameter(IParameterSymbol parameter) =>
            parameter.ContainingSymbol is IMethodSymbol constructor && IsPrimaryConstructor(constructor)
            && !SymbolEqualityComparer.Default.Equals(constructor, _body.Method);

        [MethodImpl(HotPath.Optimized)]
        private static string PrimaryParameterKey(IParameterSymbol parameter) =>
            "primary:" + CompilationFlow.SymbolKey(parameter.ContainingSymbol) + ":" + parameter.Name;

        /// <summary>
        /// A record's <c>&lt;Clone&gt;$</c>, which the graph calls for <c>source with { … }</c> before the initializer's
        /// assignments: a new object holding what the source's fields, auto-properties and primary constructor
        /// parameters hold, so the assignments that follow change the copy and not the source.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CopyObject(AbstractValue source, ITypeSymbol? type, Location site)
        {
            var copy = AbstractValue.ForObject(ObjectId.ForSite(site));
            for (var current = type as INamedTypeSymbol; current != null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    string? key = member switch
                    {
                        IFieldSymbol { IsStatic: false, IsConst: false, AssociatedSymbol: null } field when TypeFacts.IsReferenceLike(field.Type) => MemberKey(field),
                        IPropertySymbol { IsStatic: false, IsIndexer: false } property when TypeFacts.IsReferenceLike(property.Type) && IsAutoProperty(property) => MemberKey(property),
                        _ => null,
                    };
                    if (key != null)
                    {
                        WriteMember(copy, key, ReadMember(source, key, fieldSummary: true), fieldSummary: false, weak: false);
                    }
                }

                foreach (var constructor in current.InstanceConstructors)
                {
                    if (IsPrimaryConstructor(constructor))
                    {
                        foreach (var parameter in constructor.Parameters)
                        {
                            var key = PrimaryParameterKey(parameter);
                            WriteMember(copy, key, ReadMember(source, key, fieldSummary: true), fieldSummary: false, weak: false);
                        }
                    }
                }
            }

            return copy;
        }

        /// <summary>
        /// Gives every variable a pattern declares the value it matches: the whole value for a top-level designation,
        /// a member's value for a property subpattern (<c>{ Buf: var buf }</c>, also <c>{ Req.Buf: var buf }</c>),
        /// a tuple element or a positional record's property for a positional subpattern, an element for a list
        /// pattern, at any depth and on both sides of <c>and</c>/<c>or</c>.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void BindPattern(IPatternOperation pattern, AbstractValue value)
        {
            switch (pattern)
            {
                case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol local }:
                    _state = _state.WithVariable(local, value);
                    break;
                case IRecursivePatternOperation recursive:
                    if (recursive.DeclaredSymbol is ILocalSymbol recursiveLocal)
                    {
                        _state = _state.WithVariable(recursiveLocal, value);
                    }

                    for (int i = 0; i < recursive.DeconstructionSubpatterns.Length; i++)
                    {
                        BindPattern(recursive.DeconstructionSubpatterns[i], PositionalElement(recursive, value, i));
                    }

                    foreach (var subpattern in recursive.PropertySubpatterns)
                    {
                        BindPattern(subpattern.Pattern, PatternMember(subpattern.Member, value));
                    }

                    break;
                case IBinaryPatternOperation binary:
                    BindPattern(binary.LeftPattern, value);
                    BindPattern(binary.RightPattern, value);
                    break;
                case IListPatternOperation list:
                    var elements = ReadElements(value);
                    foreach (var element in list.Patterns)
                    {
                        BindPattern(element, element is ISlicePatternOperation ? value : elements);
                    }

                    break;
                case ISlicePatternOperation { Pattern: { } slice }:
                    BindPattern(slice, value);
                    break;
            }
        }

        /// <summary>The member a property subpattern names, read from the matched value (the pattern's input).</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue PatternMember(IOperation member, AbstractValue input)
        {
            var saved = _patternInput;
            _patternInput = input;
            try
            {
                return Eval(member);
            }
            finally
            {
                _patternInput = saved;
            }
        }

        /// <summary>What a positional subpattern matches: a tuple's element, a positional record's property, or, for any other Deconstruct, whatever the value holds.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue PositionalElement(IRecursivePatternOperation recursive, AbstractValue value, int index) =>
            Deconstructed(value, recursive.MatchedType, recursive.DeconstructSymbol as IMethodSymbol, index).Value;

        [MethodImpl(HotPath.Optimized)]
        private ImmutableArray<AbstractValue> EvalArguments(ImmutableArray<IArgumentOperation> arguments)
        {
            var builder = ImmutableArray.CreateBuilder<AbstractValue>(arguments.Length);
            foreach (var argument in arguments)
            {
                builder.Add(
                    argument.Parameter?.RefKind == RefKind.Out ? AbstractValue.Bottom
                    // A constant the compiler fills in for an omitted optional parameter (the Kernel API's caller file,
                    // line and member on every call) is its value, without a step of its own: three per kernel call
                    // cost 16% more steps on driver code.
                    : argument.ArgumentKind == ArgumentKind.DefaultValue && argument.Value.ConstantValue.HasValue ? Constant(argument.Value)
                    : Eval(argument.Value));
            }

            return builder.MoveToImmutable();
        }
    }
}
