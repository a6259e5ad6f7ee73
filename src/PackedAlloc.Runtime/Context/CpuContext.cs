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

        private static int s_numbered;

        public static CpuContext Current => s_current ??= new CpuContext();

        /// <summary>
        /// The number of the CPU this thread plays (<c>raw_smp_processor_id()</c>): threads are numbered as they first
        /// use the kernel, so two threads mapping at once start in different swiotlb areas, as two CPUs do. The host's
        /// <see cref="System.Threading.Thread.GetCurrentProcessorId"/> is cached per thread and often the same for two
        /// threads that take turns on one host CPU, which put both in one area and made them wait on its lock.
        /// </summary>
        public int Cpu { get; } = System.Threading.Interlocked.Increment(ref s_numbered) - 1;

        /// <summary>What <c>in_atomic()</c> sees: raised by spinlocks, preempt_disable and rcu_read_lock only on CONFIG_PREEMPT_COUNT kernels.</summary>
        public int PreemptCount { get; set; }

        /// <summary>The atomic sections this thread is in, counted whatever the kernel's configuration: what the emulation knows.</summary>
        public int AtomicDepth { get; private set; }

        public bool IrqsDisabled { get; set; }

        /// <summary>True where sleeping is forbidden: inside an atomic section, or with interrupts disabled.</summary>
        public bool IsAtomic => AtomicDepth > 0 || PreemptCount > 0 || IrqsDisabled;

        /// <summary>Enters an atomic section (a spinlock, preempt_disable, rcu_read_lock, local_bh_disable).</summary>
        public void EnterAtomic()
        {
            AtomicDepth++;
            if (Machine.Entered?.Options.PreemptCount ?? true) PreemptCount++;
        }

        /// <summary>Leaves an atomic section; false when there was none to leave (an unbalanced enable or unlock).</summary>
        public bool LeaveAtomic()
        {
            if (AtomicDepth == 0) return false;
            AtomicDepth--;
            if (PreemptCount > 0 && (Machine.Entered?.Options.PreemptCount ?? true)) PreemptCount--;
            return true;
        }

        public static string Name => Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
