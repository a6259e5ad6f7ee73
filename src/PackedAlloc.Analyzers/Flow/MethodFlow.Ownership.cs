using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The mapping-handle domain, continued: who owns a mapped buffer (PA0006). A buffer is named by the allocation
    /// that made it or the parameter it came in by (<see cref="OriginKind.Buffer"/>); a mapping remembers the buffers
    /// it maps. From a mapping for the device to write (or a sync for the device) to the sync for the CPU or the
    /// unmap, the device owns them (<see cref="FlowState.DeviceOwned"/>), and a CPU read, write or free of one is a finding.
    /// </summary>
    internal sealed partial class MethodFlow
    {
        /// <summary>A kmalloc-family result: the value also names the buffer, by the call that made it (once per call site).</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue WithBuffer(IInvocationOperation invocation, AbstractValue result)
        {
            if (!_run.TryGetConstant(invocation, out var buffer))
            {
                buffer = AbstractValue.Bottom.WithHandles(ValueSet<Origin>.Create(Origin.ForBuffer(invocation.Syntax.GetLocation(), invocation.TargetMethod.Name)));
                _run.KeepConstant(invocation, buffer);
            }

            return result.WithHandles(result.Handles.Union(buffer.Handles));
        }

        /// <summary>The buffers a value may be.</summary>
        private static ValueSet<Origin> BuffersOf(AbstractValue value)
        {
            var buffers = ValueSet<Origin>.Empty;
            foreach (var handle in value.Handles)
            {
                if (handle.Kind == OriginKind.Buffer) buffers = buffers.Add(handle);
            }

            return buffers;
        }

        /// <summary>The buffers a mapping call maps: its kernel pointer or physical address argument's.</summary>
        private static ValueSet<Origin> MappedBuffers(IInvocationOperation invocation, ImmutableArray<AbstractValue> ordered)
        {
            foreach (var parameter in invocation.TargetMethod.Parameters)
            {
                if (parameter.Ordinal < ordered.Length && (TypeFacts.IsRuntimeType(parameter.Type, "KernelPtr") || TypeFacts.IsRuntimeType(parameter.Type, "PhysAddr")))
                {
                    return BuffersOf(ordered[parameter.Ordinal]);
                }
            }

            return ValueSet<Origin>.Empty;
        }

        /// <summary>A mapping for the device to write gives it its buffers.</summary>
        private void GiveToDevice(ValueSet<Origin> mappings)
        {
            var owned = _state.DeviceOwned;
            foreach (var mapping in mappings)
            {
                // Only a mapping the device writes: one it only reads (DMA_TO_DEVICE) the CPU may still read.
                if (mapping.Kind == OriginKind.Mapping && !mapping.Buffers.IsEmpty && mapping.MappedDirection is long direction && IsDeviceWritable(direction))
                {
                    owned = owned.Add(mapping);
                }
            }

            _state = _state.WithFacts(_state.Facts.With(deviceOwned: owned));
        }

        /// <summary>A sync for the CPU or an unmap gives the buffers back.</summary>
        private void GiveBackToCpu(ValueSet<Origin> mappings)
        {
            if (_state.DeviceOwned.IsEmpty) return;
            var owned = _state.DeviceOwned;
            foreach (var mapping in mappings)
            {
                owned = owned.Remove(mapping);
            }

            _state = _state.WithFacts(_state.Facts.With(deviceOwned: owned));
        }

        /// <summary>The CPU reads, writes or frees <paramref name="value"/>: a finding for each mapping that gave one of its buffers to the device.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void CpuTouches(IInvocationOperation invocation, AbstractValue? value, string how)
        {
            if (value == null || _state.DeviceOwned.IsEmpty || value.Handles.IsEmpty)
            {
                return;
            }

            var buffers = BuffersOf(value);
            foreach (var mapping in _state.DeviceOwned)
            {
                // A free of a buffer whose mapping this method still holds is PA0007's (one diagnostic per defect).
                if (mapping.Buffers.Intersect(buffers).Count > 0 && !DoesNotCompile(invocation) && !(how == "frees" && _state.Live.Contains(mapping)))
                {
                    AddHit(new CpuTouchesDeviceBuffer(invocation.Syntax.GetLocation(), invocation.TargetMethod.Name, how, mapping));
                }
            }
        }

        /// <summary>The Kernel API's and the kernel pointer's CPU accesses: memcpy, memset, kfree, AsSpan, Write, AsReadOnlySpan, ToArray.</summary>
        private void CpuAccesses(IInvocationOperation invocation, AbstractValue? receiver, ImmutableArray<AbstractValue> unordered)
        {
            if (_state.DeviceOwned.IsEmpty)
            {
                return;
            }

            var method = invocation.TargetMethod;
            AbstractValue? Arg(int ordinal)
            {
                for (int i = 0; i < invocation.Arguments.Length && i < unordered.Length; i++)
                {
                    if (invocation.Arguments[i].Parameter?.Ordinal == ordinal) return unordered[i];
                }

                return null;
            }

            switch (method.Name)
            {
                case "memcpy" when _flow.Kernel.IsKernelMember(method):
                    CpuTouches(invocation, Arg(0), "writes");
                    CpuTouches(invocation, Arg(1), "reads");
                    break;
                case "memset" when _flow.Kernel.IsKernelMember(method):
                    CpuTouches(invocation, Arg(0), "writes");
                    break;
                case "kfree" when _flow.Kernel.IsKernelMember(method):
                    CpuTouches(invocation, Arg(0), "frees");
                    break;
                case "AsSpan" or "Write" when TypeFacts.IsRuntimeType(method.ContainingType, "KernelPtr"):
                    CpuTouches(invocation, receiver, "writes");
                    break;
                case "AsReadOnlySpan" or "ToArray" when TypeFacts.IsRuntimeType(method.ContainingType, "KernelPtr"):
                    CpuTouches(invocation, receiver, "reads");
                    break;
            }
        }
    }
}
