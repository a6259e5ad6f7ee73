using System;
using System.Runtime.CompilerServices;

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

        /// <summary>
        /// True while the preempt count is raised on this CPU (thread): under a spinlock, preempt_disable or
        /// rcu_read_lock, on kernels with CONFIG_PREEMPT_COUNT (<see cref="MachineOptions.PreemptCount"/>). Without
        /// it, false under a spinlock: code must not pick its GFP flags with it (rule PA0005).
        /// </summary>
        public static bool in_atomic() => CpuContext.Current.PreemptCount > 0;

        /// <summary>The rule id of "sleeping function called from invalid context" reports.</summary>
        internal const string RuleSleepInAtomic = "PA0004";

        /// <summary>Takes a spinlock with bottom halves disabled: atomic until <see cref="spin_unlock_bh"/>.</summary>
        public static void spin_lock_bh(Spinlock lock_)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Acquire(saveIrqs: false, out _);
        }

        /// <summary>Releases a lock taken with <see cref="spin_lock_bh"/>.</summary>
        public static void spin_unlock_bh(Spinlock lock_)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Release(restoreIrqs: false, 0);
        }

        /// <summary>Disables preemption: the thread is atomic until <see cref="preempt_enable"/>.</summary>
        public static void preempt_disable() => CpuContext.Current.EnterAtomic();

        /// <summary>Enables preemption again; an enable without a disable is a kernel BUG.</summary>
        public static void preempt_enable() => LeaveAtomic("preempt_enable");

        /// <summary>Enters an RCU read-side critical section, where sleeping is forbidden (non-preemptible RCU).</summary>
        public static void rcu_read_lock() => CpuContext.Current.EnterAtomic();

        /// <summary>Leaves the RCU read-side critical section.</summary>
        public static void rcu_read_unlock() => LeaveAtomic("rcu_read_unlock");

        private static void LeaveAtomic(string function)
        {
            if (!CpuContext.Current.LeaveAtomic())
            {
                string message = $"BUG: {function} without a matching disable or lock on CPU#{CpuContext.Name}";
                throw Machine.Entered is Machine m ? m.Reports.Bug("sched", message) : new KernelBugException(new DebugReport("sched", message, null, null, TimeSpan.Zero));
            }
        }

        /// <summary>
        /// might_sleep(): declares that the caller may sleep; in atomic context (a spinlock, preempt_disable,
        /// rcu_read_lock, interrupts disabled) it is the kernel's "BUG: sleeping function called from invalid
        /// context" report (rule PA0004).
        /// </summary>
        public static void might_sleep([CallerMemberName] string caller = "") => MightSleep("might_sleep", caller);

        /// <summary>Sleeps for <paramref name="ms"/> milliseconds (the host thread sleeps); may not be called in atomic context.</summary>
        public static void msleep(int ms, [CallerMemberName] string caller = "")
        {
            ArgumentOutOfRangeException.ThrowIfNegative(ms);
            MightSleep("msleep", caller);
            System.Threading.Thread.Sleep(ms);
        }

        /// <summary>Takes a sleeping mutex; may not be called in atomic context. Not recursive.</summary>
        public static void mutex_lock(KernelMutex lock_, [CallerMemberName] string caller = "")
        {
            ArgumentNullException.ThrowIfNull(lock_);
            MightSleep("mutex_lock", caller);
            lock_.Lock();
        }

        /// <summary>Releases a mutex taken by this thread.</summary>
        public static void mutex_unlock(KernelMutex lock_)
        {
            ArgumentNullException.ThrowIfNull(lock_);
            lock_.Unlock();
        }

        private static void MightSleep(string function, string caller)
        {
            CpuContext cpu = CpuContext.Current;
            if (!cpu.IsAtomic || Machine.Entered is not Machine machine) return;
            machine.Reports.Report("sched",
                $"BUG: sleeping function called from invalid context at {function}\nin_atomic(): {(cpu.PreemptCount > 0 ? 1 : 0)}, irqs_disabled(): {(cpu.IrqsDisabled ? 1 : 0)}, non_block: 0, pid: {CpuContext.Name}, name: {System.Threading.Thread.CurrentThread.Name ?? "thread"}\ncaller: {caller}",
                RuleSleepInAtomic);
        }

        /// <summary>True while interrupts are disabled on this CPU (thread).</summary>
        public static bool irqs_disabled() => CpuContext.Current.IrqsDisabled;
    }
}
