using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers
{
    /// <summary>Every rule ID, descriptor and help link of the package: the one place they are defined.</summary>
    public static class Descriptors
    {
        public const string Category = "DmaSafety";

        public const string PackedBufferReachesDmaId = "PA0001";
        public const string AnalysisBudgetExceededId = "PA0002";
        public const string MappingErrorNotCheckedId = "PA0003";
        public const string SleepInAtomicContextId = "PA0004";
        public const string FlagsChosenByInAtomicId = "PA0005";
        public const string CpuTouchesDeviceBufferId = "PA0006";
        public const string MappingLifetimeBrokenId = "PA0007";

        private const string HelpLinkBase = "https://github.com/packedalloc/packedalloc/blob/main/docs/rules/";

        public static string HelpLink(string id) => HelpLinkBase + id + ".md";

        public static readonly DiagnosticDescriptor PackedBufferReachesDma = new DiagnosticDescriptor(
            PackedBufferReachesDmaId,
            title: "Packed buffer reaches DMA mapping without a bounce path",
            messageFormat: "Buffer allocated with __GFP_PACKED by '{0}' at {1} reaches '{2}' without a bounce path; a DMA from the device can corrupt data sharing its cache line",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Objects allocated with __GFP_PACKED are only 8-byte aligned and share cache lines with other objects. On a non-coherent device, mapping such a buffer DMA_FROM_DEVICE or DMA_BIDIRECTIONAL invalidates whole cache lines and loses the neighbours' data. Map through swiotlb_map, copy the data into a DMA-safe buffer, or drop __GFP_PACKED.",
            helpLinkUri: HelpLink(PackedBufferReachesDmaId));

        public static readonly DiagnosticDescriptor AnalysisBudgetExceeded = new DiagnosticDescriptor(
            AnalysisBudgetExceededId,
            title: "DMA safety analysis stopped at its work budget",
            messageFormat: "The DMA safety analysis of '{0}' stopped at its work budget ({1}); PA0001 is not fully checked in it",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "Each method's data-flow analysis has a fixed work budget, counted in steps so that results do not depend on machine speed. A method that needs more, or that is called in more distinct contexts than the analysis follows, is left (partly) unchecked instead of slowing the build. Raise the step budget with the option dotnet_code_quality.PA0001.max_analysis_steps.",
            helpLinkUri: HelpLink(AnalysisBudgetExceededId));

        public static readonly DiagnosticDescriptor MappingErrorNotChecked = new DiagnosticDescriptor(
            MappingErrorNotCheckedId,
            title: "DMA mapping used without an error check",
            messageFormat: "The result of '{0}' reaches {1} at {2} without {3}; a failed mapping would be used as if it had succeeded",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A streaming DMA mapping can fail (no IOMMU space, no swiotlb slot, an address the device cannot reach): dma_map_single and swiotlb_map then return DMA_MAPPING_ERROR and dma_map_sg returns 0. Check every mapping with dma_mapping_error(dev, addr) (or the count against 0) before syncing, unmapping, storing it in a descriptor or handing it to the device; dma-debug reports the missing check at run time as 'device driver failed to check map error'.",
            helpLinkUri: HelpLink(MappingErrorNotCheckedId));

        public static readonly DiagnosticDescriptor SleepInAtomicContext = new DiagnosticDescriptor(
            SleepInAtomicContextId,
            title: "A call that may sleep in atomic context",
            messageFormat: "'{0}' may sleep ({1}), but it runs inside the atomic section '{2}' opened at {3}",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "While a spinlock is held, preemption or interrupts are disabled, or inside rcu_read_lock(), the CPU must not sleep. An allocation whose GFP flags allow direct reclaim (GFP_KERNEL, GFP_NOIO, GFP_NOFS) may sleep, as do msleep, mutex_lock and anything that calls might_sleep. Use GFP_ATOMIC (or GFP_NOWAIT) there, or move the call out of the section. The kernel reports it at run time as 'BUG: sleeping function called from invalid context', and only on the paths a test runs.",
            helpLinkUri: HelpLink(SleepInAtomicContextId));

        public static readonly DiagnosticDescriptor FlagsChosenByInAtomic = new DiagnosticDescriptor(
            FlagsChosenByInAtomicId,
            title: "GFP flags chosen by in_atomic()",
            messageFormat: "in_atomic() chooses the GFP flags of '{0}' at {1}; it does not see a held spinlock on kernels built without CONFIG_PREEMPT_COUNT, so the allocation may sleep under a lock: pass the flags down from the caller, which knows its context",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "in_atomic() reads the preempt count, which kernels built without CONFIG_PREEMPT_COUNT do not raise for a spinlock: code that picks GFP_ATOMIC or GFP_KERNEL with it picks GFP_KERNEL under a lock there, and sleeps in atomic context. The kernel's guidance is to pass the GFP flags down from the caller, which knows whether it holds a lock.",
            helpLinkUri: HelpLink(FlagsChosenByInAtomicId));

        public static readonly DiagnosticDescriptor CpuTouchesDeviceOwnedBuffer = new DiagnosticDescriptor(
            CpuTouchesDeviceBufferId,
            title: "The CPU touches a buffer the device owns",
            messageFormat: "'{0}' {1} a buffer that the mapping made by '{2}' at {3} gives to the device; sync it for the CPU (dma_sync_single_for_cpu) or unmap it first",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Between dma_map_* for the device to write (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) or dma_sync_*_for_device and the matching dma_sync_*_for_cpu or dma_unmap_*, the buffer belongs to the device. A CPU read sees stale cache lines; a CPU write lands in the cache and is lost, or overwrites what the device wrote, when the lines are invalidated or written back; freeing it hands memory the device still writes to another owner.",
            helpLinkUri: HelpLink(CpuTouchesDeviceBufferId));

        public static readonly DiagnosticDescriptor MappingLifetimeBroken = new DiagnosticDescriptor(
            MappingLifetimeBrokenId,
            title: "DMA mapping's lifetime is broken",
            messageFormat: "{0}",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A streaming mapping is owned by the code that made it until it is unmapped with the size and direction it was mapped with. A mapping left mapped on some way out of the method that owns it leaks an IOMMU entry or a swiotlb slot; an unmap or sync with another size or direction unmaps or syncs the wrong range and confuses dma-debug. dma-debug reports these at run time ('frees DMA memory with different size', 'has pending DMA allocations while released from device').",
            helpLinkUri: HelpLink(MappingLifetimeBrokenId));
    }
}
