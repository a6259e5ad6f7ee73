using System;
using System.Collections.Generic;
using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// The machine's <c>system_wq</c>: <see cref="Schedule"/> is <c>schedule_work</c> (a work item already pending is
    /// not queued twice) and runs the item on the thread pool; <see cref="Flush"/> waits for everything pending.
    /// </summary>
    internal sealed class WorkQueue
    {
        private readonly object _lock = new object();
        private readonly HashSet<string> _pending = new HashSet<string>();
        private readonly Machine _machine;
        private readonly ManualResetEventSlim _open = new ManualResetEventSlim(initialState: true);
        private int _running;
        private int _holds;

        public WorkQueue(Machine machine) => _machine = machine;

        /// <summary>Queues <paramref name="work"/> under <paramref name="key"/> unless that key is already pending. Returns whether it was queued.</summary>
        public bool Schedule(string key, Action work)
        {
            lock (_lock)
            {
                if (!_pending.Add(key)) return false;
                _running++;
            }
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                try
                {
                    _open.Wait();
                    // Work runs in process context on its own "CPU": never atomic.
                    work();
                }
                catch (Exception ex)
                {
                    try { _machine.Reports.Report("workqueue", $"workqueue: {key} failed: {ex.Message}"); }
                    catch (KernelBugException) { /* a throwing machine has no one to throw to here */ }
                }
                finally
                {
                    lock (_lock)
                    {
                        _pending.Remove(key);
                        _running--;
                        Monitor.PulseAll(_lock);
                    }
                }
            }, null);
            return true;
        }

        /// <summary>
        /// Holds back every work item that has not started yet until the returned scope (and every other hold) is
        /// disposed: a worker that has not run, as a busy system's may not have, so that tests can see what callers do
        /// meanwhile.
        /// </summary>
        public IDisposable Hold()
        {
            lock (_lock)
                if (_holds++ == 0) _open.Reset();
            return new Release(this);
        }

        private void Unhold()
        {
            lock (_lock)
                if (--_holds == 0) _open.Set();
        }

        private sealed class Release : IDisposable
        {
            private WorkQueue? _queue;
            public Release(WorkQueue queue) => _queue = queue;
            public void Dispose() => Interlocked.Exchange(ref _queue, null)?.Unhold();
        }

        /// <summary>Waits until no work is pending or running (bounded: 30 s).</summary>
        public void Flush()
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            lock (_lock)
            {
                while (_running > 0)
                {
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) throw new TimeoutException("background work did not finish within 30 s");
                    Monitor.Wait(_lock, left);
                }
            }
        }
    }
}
