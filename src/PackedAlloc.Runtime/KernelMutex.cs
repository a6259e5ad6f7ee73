using System;
using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// The kernel's <c>struct mutex</c>: a sleeping lock (<c>mutex_lock</c> may sleep, so it is forbidden in atomic
    /// context). Not recursive; unlocking one this thread does not hold is a <see cref="KernelBugException"/>.
    /// </summary>
    public sealed class KernelMutex
    {
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private int _ownerThread;

        /// <summary>Creates an unlocked mutex (<c>mutex_init</c>).</summary>
        public KernelMutex() { }

        /// <summary>Whether some thread holds the mutex.</summary>
        public bool IsLocked => Volatile.Read(ref _ownerThread) != 0;

        internal void Lock()
        {
            int me = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _ownerThread) == me)
                throw Bug($"BUG: mutex recursion (deadlock) on CPU#{me}");
            _gate.Wait();
            _ownerThread = me;
        }

        internal void Unlock()
        {
            int me = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _ownerThread) != me)
                throw Bug($"BUG: mutex_unlock of a mutex this thread does not hold, on CPU#{me}");
            _ownerThread = 0;
            _gate.Release();
        }

        private static KernelBugException Bug(string message) =>
            Machine.Entered is Machine m ? m.Reports.Bug("mutex", message) : new KernelBugException(new DebugReport("mutex", message, null, null, TimeSpan.Zero));
    }
}
