using System;
using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// The kernel's <c>spinlock_t</c> (not <see cref="System.Threading.SpinLock"/>). Holding it puts the thread in
    /// atomic context, so allocations that may sleep are reported. Kernel spinlocks are not recursive: taking one
    /// twice on the same thread, or releasing one not held, is a <see cref="KernelBugException"/>.
    /// </summary>
    public sealed class Spinlock
    {
        private readonly object _gate = new object();
        private int _ownerThread;

        /// <summary>Creates an unlocked spinlock (<c>spin_lock_init</c>).</summary>
        public Spinlock() { }

        /// <summary>Whether some thread holds the lock.</summary>
        public bool IsLocked => Volatile.Read(ref _ownerThread) != 0;

        internal void Acquire(bool saveIrqs, out ulong flags)
        {
            CpuContext cpu = CpuContext.Current;
            int me = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _ownerThread) == me)
                throw Bug($"BUG: spinlock recursion on CPU#{me}, lock: {GetHashCode():x}");
            flags = cpu.IrqsDisabled ? 1UL : 0UL;
            if (saveIrqs) cpu.IrqsDisabled = true;
            Monitor.Enter(_gate);
            _ownerThread = me;
            cpu.EnterAtomic();
        }

        /// <summary>A spinlock belongs to no machine: its BUG goes to the log of the machine entered, if any.</summary>
        private static KernelBugException Bug(string message) =>
            Machine.Entered is Machine m ? m.Reports.Bug("spinlock", message) : new KernelBugException(new DebugReport("spinlock", message, null, null, TimeSpan.Zero));

        internal void Release(bool restoreIrqs, ulong flags)
        {
            CpuContext cpu = CpuContext.Current;
            int me = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _ownerThread) != me)
                throw Bug(IsLocked ? $"BUG: spinlock wrong CPU on CPU#{me}, lock: {GetHashCode():x}" : $"BUG: spinlock already unlocked on CPU#{me}, lock: {GetHashCode():x}");
            _ownerThread = 0;
            cpu.LeaveAtomic();
            Monitor.Exit(_gate);
            if (restoreIrqs) cpu.IrqsDisabled = flags != 0;
        }
    }
}
