using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Where a running analysis offers the items of its current parallel step (bodies to bind, graphs to build,
    /// groups of roots to run) to threads that would otherwise wait for it. In a build, two compiler threads ask for
    /// PA0001's diagnostics at once; the one that does not compute the whole-compilation result used to sleep until
    /// the other had finished, and that sleep is counted as PA0001's time. It takes items from here instead, so the
    /// result comes sooner. Which thread runs an item never changes what it produces: each item writes only its own
    /// slot of the step's results.
    /// </summary>
    internal sealed class WorkBoard
    {
        private SharedWork? _current;

        /// <summary>Runs items of the step on the board, if any, until none is left to start or <paramref name="cancellationToken"/> is cancelled.</summary>
        public void Help(CancellationToken cancellationToken) => Volatile.Read(ref _current)?.Help(cancellationToken);

        internal void Post(SharedWork? work) => Volatile.Write(ref _current, work);
    }

    /// <summary>
    /// One parallel step: items taken in order by whoever calls <see cref="Help"/>. The owner (the thread whose
    /// analysis this is) calls <see cref="Finish"/>, which waits for the items others started and rethrows the first
    /// failure; a helper's own cancellation only stops it taking more items.
    /// </summary>
    internal sealed class SharedWork
    {
        private readonly int _count;
        private readonly Action<int> _action;
        private readonly ManualResetEventSlim _allDone;
        private int _next = -1;
        private int _remaining;
        private Exception? _failure;

        public SharedWork(int count, Action<int> action)
        {
            _count = count;
            _action = action;
            _remaining = count;
            _allDone = new ManualResetEventSlim(initialState: count == 0, spinCount: 1);
        }

        public void Help(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _failure) == null)
            {
                int item = Interlocked.Increment(ref _next);
                if (item >= _count)
                {
                    return;
                }

                try
                {
                    _action(item);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref _failure, exception, null);
                }
                finally
                {
                    if (Interlocked.Decrement(ref _remaining) == 0)
                    {
                        _allDone.Set();
                    }
                }
            }
        }

        /// <summary>
        /// Waits until every item that was started has ended (items check the analysis' own cancellation, so this is
        /// short when it is cancelled), then throws the first failure, or a cancellation of <paramref name="cancellationToken"/>.
        /// </summary>
        public void Finish(CancellationToken cancellationToken)
        {
            // Items nobody will start (after a failure or a cancellation) count as done.
            int unstarted = _count - Math.Min(_count, Interlocked.Exchange(ref _next, _count) + 1);
            if (unstarted > 0 && Interlocked.Add(ref _remaining, -unstarted) == 0)
            {
                _allDone.Set();
            }

            _allDone.Wait();
            if (_failure != null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
