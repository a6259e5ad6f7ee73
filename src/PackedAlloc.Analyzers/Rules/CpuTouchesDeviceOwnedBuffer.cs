using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>PA0006: the CPU touches a buffer the device owns (the flow's <see cref="CpuTouchesDeviceBuffer"/>s). On the access; the mapping is the additional location.</summary>
    internal static class CpuTouchesDeviceOwnedBuffer
    {
        public static Diagnostic Report(CpuTouchesDeviceBuffer finding) =>
            Diagnostic.Create(Descriptors.CpuTouchesDeviceOwnedBuffer, finding.Access, new[] { finding.Mapping.Site },
                finding.Accessor, finding.How, finding.Mapping.Allocator, FlowDiagnostics.Describe(finding.Mapping.Site));
    }
}
