using System;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// Per-"CPU" execution context. A host thread plays the role of a CPU: spinlocks and disabled interrupts are
    /// properties of the thread running, not of a machine, exactly as preempt_count is per CPU in the kernel.
    /// </summary>
    internal sealed class CpuContext
    {
        [ThreadStatic] private static CpuContext? s_current;

        public static CpuContext Current => s_current ??= new CpuContext();

        public int PreemptCount { get; set; }

        public bool IrqsDisabled { get; set; }

        /// <summary>True where sleeping is forbidden (in_atomic() || irqs_disabled()).</summary>
        public bool IsAtomic => PreemptCount > 0 || IrqsDisabled;

        public static string Name => Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
