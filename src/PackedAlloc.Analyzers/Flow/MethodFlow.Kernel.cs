using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>The Kernel API's meaning: sources (packed allocations), sinks (dma_map_*), scatterlist entries,
    /// bounce functions and the checks that make a bounce unnecessary.</summary>
    internal sealed partial class MethodFlow
    {
        /// <summary>Member name under which a scatterlist entry remembers the buffer set into it.</summary>
        private const string ScatterListBuffer = "sg.buf";

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue KernelCall(KernelFunction function, IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            var method = invocation.TargetMethod;
            var args = ByOrdinal(invocation.Arguments, unordered, method.Parameters.Length);
            AbstractValue Arg(int i) => i < args.Length ? args[i] : AbstractValue.Bottom;
            switch (function)
            {
                case KernelFunction.Kmalloc:
                    return Allocation(invocation, Arg(0).Consts, Arg(1));
                case KernelFunction.KmallocArray:
                    return Allocation(invocation, Known(Arg(0).Consts).Combine(Known(Arg(1).Consts), (n, size) => n * size), Arg(2));
                case KernelFunction.Krealloc:
                    // krealloc may grow in place and return p itself: whatever p was, the result may still be.
                    return Shape(Arg(0), method.ReturnType, unknownIfNumeric: false).Join(Allocation(invocation, Arg(1).Consts, Arg(2)));
                case KernelFunction.Kmemdup:
                    // A copy: the source's allocation does not flow on (bounce path 2), only the new one counts.
                    return Allocation(invocation, Arg(1).Consts, Arg(2));
                case KernelFunction.KmemCacheCreate:
                    return UnalignedCache(invocation, Arg(1).Consts, Arg(2).Consts, Arg(3).Consts);
                case KernelFunction.KmemCacheAlloc:
                    return CacheAllocation(invocation, Arg(0));
                case KernelFunction.MapSingle:
                    CheckSink(invocation, unordered);
                    return NewMapping(invocation, OriginKind.Mapping, Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true), args);
                case KernelFunction.MapScatterList:
                    CheckSink(invocation, unordered);
                    return NewMapping(invocation, OriginKind.MappingCount, Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true), args);
                case KernelFunction.Bounce:
                    return NewMapping(invocation, OriginKind.Mapping, Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true), args);
                case KernelFunction.MappingErrorCheck:
                    CheckHandles(Arg(1));
                    return FailureOf(Arg(1), failedWhen: true);
                case KernelFunction.ScatterListSetBuffer:
                    SetScatterListBuffer(invocation, Arg(0), Arg(1));
                    return AbstractValue.Bottom;
                case KernelFunction.ScatterListGetBuffer:
                    return ReadMember(Arg(0), ScatterListBuffer, fieldSummary: false);
                case KernelFunction.AddressTranslation:
                case KernelFunction.ReturnsFirstArgument:
                    return Shape(Arg(0), method.ReturnType, unknownIfNumeric: true);
                case KernelFunction.CoherentCheck:
                    return AbstractValue.UnknownConstant.WithGuard(GuardPolarity.SafeWhenTrue, Arg(0).Objects);
                case KernelFunction.NeedsBounceCheck:
                    // For a size class that is line-aligned, or a DMA_TO_DEVICE direction, the answer is false whatever
                    // the device: that asks about another mapping and checks nothing for this one.
                    if (!MayBeUnsafe(Arg(1).Consts, SizeClasses.IsUnsafe(_flow.Options.DmaMinAlign)) || !MayBeUnsafe(Arg(2).Consts, IsDeviceWritable))
                    {
                        return AbstractValue.Constant(0);
                    }

                    return AbstractValue.UnknownConstant.WithGuard(GuardPolarity.SafeWhenFalse, Arg(0).Objects);
                default:
                    // swiotlb_map and the rest: nothing of the buffer flows into what they return.
                    return Shape(AbstractValue.Bottom, method.ReturnType, unknownIfNumeric: true);
            }
        }

        /// <summary>A direction in which the device writes memory: not DMA_TO_DEVICE (cleans only) nor DMA_NONE.</summary>
        private bool IsDeviceWritable(long direction) => SizeClasses.IsDeviceWritable(direction, _flow.Kernel.DmaToDevice, _flow.Kernel.DmaNone);

        private static ConstSet Known(ConstSet consts) => consts.IsBottom ? ConstSet.Unknown : consts;

        /// <summary>A kmalloc-family call is a source when its flags may hold __GFP_PACKED and its size class may share a cache line.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue Allocation(IInvocationOperation invocation, ConstSet sizes, AbstractValue flags)
        {
            ulong packed = _flow.Kernel.GfpPacked;
            if (packed == 0 || !flags.Consts.Values.Any(v => (unchecked((ulong)v) & packed) != 0))
            {
                // Flags that cannot be traced are not assumed packed: a warning needs evidence.
                return AbstractValue.Bottom;
            }

            if (!MayBeUnsafe(sizes, SizeClasses.IsUnsafe(_flow.Options.DmaMinAlign)) || DoesNotCompile(invocation))
            {
                return AbstractValue.Bottom;
            }

            var origin = new Origin(OriginKind.PackedAllocation, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name,
                flags.FlagSites.OrderBy(l => l.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(l => l.SourceSpan.Start).ToImmutableArray());
            _run.RecordPackedAllocation(origin);
            return AbstractValue.ForOrigin(origin);
        }

        /// <summary>
        /// Whether some value may fail the test: a known value that fails it, anything unknown, or a value that comes
        /// from the root method's parameters when no caller in the compilation decides it.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool MayBeUnsafe(ConstSet values, System.Func<long, bool> isUnsafe) =>
            values.IsBottom
            || values.HasUnknown
            || (values.HasParameter && !_rootHasCallers)
            || values.Values.Any(isUnsafe);

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue UnalignedCache(IInvocationOperation invocation, ConstSet sizes, ConstSet aligns, ConstSet slabFlags)
        {
            int minAlign = _flow.Options.DmaMinAlign;
            ulong hwcache = _flow.Kernel.SlabHwcacheAlign;
            bool hwcacheAlways = !slabFlags.IsBottom && !slabFlags.HasUnknown && !slabFlags.HasParameter
                && slabFlags.Values.All(f => (unchecked((ulong)f) & hwcache) != 0);
            if (hwcacheAlways)
            {
                return AbstractValue.Bottom;
            }

            // Objects sit back to back from a page-aligned slab at a stride of ALIGN(size, align): they share
            // cache lines unless the alignment, or the stride itself, is a multiple of ARCH_DMA_MINALIGN.
            var strides = Known(sizes).Combine(Known(aligns), (size, align) =>
                align >= minAlign ? minAlign : SizeClasses.AlignUp(size, System.Math.Max(align, 8)));
            if (!MayBeUnsafe(strides, stride => stride % minAlign != 0))
            {
                return AbstractValue.Bottom;
            }

            return AbstractValue.ForOrigin(new Origin(OriginKind.UnalignedCache, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name,
                ImmutableArray<Location>.Empty));
        }

        [MethodImpl(HotPath.Optimized)]
        private AbstractValue CacheAllocation(IInvocationOperation invocation, AbstractValue cache)
        {
            var result = AbstractValue.Bottom;
            foreach (var origin in cache.Origins)
            {
                if (origin.Kind == OriginKind.UnalignedCache)
                {
                    var allocation = new Origin(OriginKind.PackedAllocation, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name,
                        ImmutableArray<Location>.Empty).WithStep(origin.Site);
                    result = result.Join(AbstractValue.ForOrigin(allocation));
                }
            }

            return result;
        }

        [MethodImpl(HotPath.Optimized)]
        private void SetScatterListBuffer(IInvocationOperation invocation, AbstractValue entry, AbstractValue buffer)
        {
            var stored = Shape(buffer, invocation.TargetMethod.Parameters.Length > 1 ? invocation.TargetMethod.Parameters[1].Type : null, unknownIfNumeric: false)
                .WithObjects(ValueSet<ObjectId>.Empty)
                .WithStep(invocation.Syntax.GetLocation());
            if (stored.Origins.IsEmpty)
            {
                return;
            }

            WriteMember(entry, ScatterListBuffer, stored, fieldSummary: false, weak: true);
            var target = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
            if (target is IArrayElementReferenceOperation element)
            {
                // sg_set_buf(&sgl[i], …): the array's entries now hold the buffer.
                WriteElements(Eval(element.ArrayReference), stored);
            }
        }

        /// <summary>
        /// A mapping: every packed allocation that may reach a buffer argument is a hit, unless every path here
        /// checked that no bounce is needed or the direction is DMA_TO_DEVICE (which only cleans cache lines).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void CheckSink(IInvocationOperation invocation, ImmutableArray<AbstractValue> values)
        {
            var arguments = invocation.Arguments;
            var device = DeviceArgument(arguments, values);
            if ((_state.Guard is { } guard && guard.Covers(device)) || DoesNotCompile(invocation))
            {
                return;
            }

            bool hasDirection = false;
            bool directionUnsafe = false;
            for (int i = 0; i < arguments.Length && i < values.Length; i++)
            {
                if (IsDirection(arguments[i].Parameter?.Type))
                {
                    hasDirection = true;
                    directionUnsafe |= MayBeUnsafe(values[i].Consts, IsDeviceWritable);
                }
            }

            if (hasDirection && !directionUnsafe)
            {
                return;
            }

            // A device known to be coherent (created so, on every path that reaches here) needs no bounce.
            if (device != null && !device.Objects.IsEmpty && device.Objects.All(o => o.IsCoherentDevice))
            {
                return;
            }

            for (int i = 0; i < arguments.Length && i < values.Length; i++)
            {
                var parameterType = arguments[i].Parameter?.Type;
                if (TypeFacts.CannotCarryBuffer(parameterType))
                {
                    continue;
                }

                foreach (var origin in BufferOrigins(values[i]))
                {
                    if (origin.Kind == OriginKind.PackedAllocation)
                    {
                        AddHit(new SinkHit(arguments[i].Value.Syntax.GetLocation(), invocation.TargetMethod.Name, origin));
                    }
                }
            }
        }

        /// <summary>Code with errors is not judged: what it means is not settled, and a warning there is noise.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool DoesNotCompile(IOperation operation) =>
            operation.DescendantsAndSelf().Any(o => o is IInvalidOperation) || _flow.StatementHasErrors(operation);

        /// <summary>The value of a mapping's device argument; null when it has none.</summary>
        private static AbstractValue? DeviceArgument(ImmutableArray<IArgumentOperation> arguments, ImmutableArray<AbstractValue> values)
        {
            for (int i = 0; i < arguments.Length && i < values.Length; i++)
            {
                if (IsDevice(arguments[i].Parameter?.Type)) return values[i];
            }

            return null;
        }

        /// <summary>The runtime's Device type.</summary>
        [MethodImpl(HotPath.Optimized)]
        internal static bool IsDevice(ITypeSymbol? type) => TypeFacts.IsRuntimeType(type, "Device");

        [MethodImpl(HotPath.Optimized)]
        private static bool IsDirection(ITypeSymbol? type) => TypeFacts.IsRuntimeType(type, "DmaDirection");

        /// <summary>The allocations a mapped argument may hold: the value itself, and for scatterlists the buffers set into its entries.</summary>
        [MethodImpl(HotPath.Optimized)]
        private ValueSet<Origin> BufferOrigins(AbstractValue value)
        {
            var origins = value.Origins;
            var entries = value.Join(ReadElements(value));
            origins = origins.Union(entries.Origins);
            origins = origins.Union(ReadMember(entries, ScatterListBuffer, fieldSummary: false).Origins);
            return origins;
        }
    }

    /// <summary>kmalloc's size classes (mm/slab_common.c) and which of them are DMA-safe.</summary>
    internal static class SizeClasses
    {
        public const int KmallocMaxCacheSize = 8192;

        /// <summary>The packed size class for a request: 8, 16, 32, 64, 96, 128, 192, then powers of two to 8192.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static long ClassOf(long size)
        {
            if (size <= 8) return 8;
            if (size <= 16) return 16;
            if (size <= 32) return 32;
            if (size <= 64) return 64;
            if (size <= 96) return 96;
            if (size <= 128) return 128;
            if (size <= 192) return 192;
            long size2 = 256;
            while (size2 < size) size2 <<= 1;
            return size2;
        }

        /// <summary>
        /// A request is unsafe when its class is not a multiple of the DMA alignment: the object then shares a
        /// cache line. Zero and negative sizes allocate nothing; above 8 KiB the page allocator hands out whole pages.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public static System.Func<long, bool> IsUnsafe(int dmaMinAlign) =>
            size => size > 0 && size <= KmallocMaxCacheSize && ClassOf(size) % dmaMinAlign != 0;

        /// <summary>
        /// A direction in which the device may write the buffer (not <c>DMA_TO_DEVICE</c>, which only cleans cache
        /// lines, nor <c>DMA_NONE</c>): with <see cref="IsUnsafe"/>, PA0001's rule, which a test holds against the
        /// runtime's <c>dma_kmalloc_needs_bounce</c> and against the emulated machine's corruption.
        /// </summary>
        public static bool IsDeviceWritable(long direction, long toDevice, long none) => direction != toDevice && direction != none;

        public static long AlignUp(long value, long alignment) => alignment <= 0 ? value : (value + alignment - 1) / alignment * alignment;
    }
}
