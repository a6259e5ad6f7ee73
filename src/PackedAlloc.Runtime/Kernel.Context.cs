using System;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>Takes a spinlock: the calling thread is in atomic context until <see cref="spin_unlock"/>.</summary>
        public static void spin_lock(Spinlock lock_)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Acquire(saveIrqs: false, out _);
        }

        /// <summary>Releases a spinlock.</summary>
        public static void spin_unlock(Spinlock lock_)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Release(restoreIrqs: false, 0);
        }

        /// <summary>Disables interrupts, saving their state in <paramref name="flags"/>, and takes the lock.</summary>
        public static void spin_lock_irqsave(Spinlock lock_, out ulong flags)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Acquire(saveIrqs: true, out flags);
        }

        /// <summary>Releases the lock and restores the interrupt state saved in <paramref name="flags"/>.</summary>
        public static void spin_unlock_irqrestore(Spinlock lock_, ulong flags)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Release(restoreIrqs: true, flags);
        }

        /// <summary>Disables interrupts on this CPU (thread).</summary>
        public static void local_irq_disable() => CpuContext.Current.IrqsDisabled = true;

        /// <summary>Enables interrupts on this CPU (thread).</summary>
        public static void local_irq_enable() => CpuContext.Current.IrqsDisabled = false;

        /// <summary>True while a spinlock is held on this CPU (thread).</summary>
        public static bool in_atomic() => CpuContext.Current.PreemptCount > 0;

        /// <summary>True while interrupts are disabled on this CPU (thread).</summary>
        public static bool irqs_disabled() => CpuContext.Current.IrqsDisabled;
    }
}
