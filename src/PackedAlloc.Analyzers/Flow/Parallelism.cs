using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>The one place the analysis goes parallel: binding, graph building and independent groups of roots.</summary>
    internal static class Parallelism
    {
        /// <summary>Below this many items of work, one thread is cheaper than starting others.</summary>
        public const int Threshold = 64;

        /// <summary>
        /// The most threads one analysis uses, unless told otherwise (<see cref="CompilationFlow.MaxThreads"/>): up to
        /// four, leaving one core to the compiler, which runs other analyzers and its own work while PA0001 computes.
        /// On two cores that is one thread: measured on the 2-core CI machine, every phase ran slower on two threads
        /// than on one (binding 1.7–2.3 s against 1.2 s, the flow 0.9–1.2 s against 0.75 s, twice the CPU), and in a
        /// build the flow took as long on four threads as on one while taking CPU from the compiler's other work.
        /// </summary>
        public static int DefaultMaxThreads { get; } = Math.Max(1, Math.Min(4, ProcessorCount() - 1));

        // RS1035 bans Environment for its variables, which are settings an analyzer must take from .editorconfig;
        // the core count is not a setting, and Roslyn sizes its own parallelism by it.
#pragma warning disable RS1035
        private static int ProcessorCount() => Environment.ProcessorCount;
#pragma warning restore RS1035

        /// <summary>
        /// Runs <paramref name="action"/> for every item on up to <paramref name="maxThreads"/> threads, and offers the
        /// items on <paramref name="board"/> to threads waiting for this analysis (see <see cref="WorkBoard"/>). A
        /// cancellation surfaces as <see cref="OperationCanceledException"/> and any other failure as itself, not
        /// wrapped, so that callers handle them as they would on one thread.
        /// </summary>
        public static void ForEach<T>(IEnumerable<T> items, int maxThreads, CancellationToken cancellationToken, Action<T> action, WorkBoard? board = null)
        {
            if (maxThreads <= 1 && board == null)
            {
                foreach (var item in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    action(item);
                }

                return;
            }

            var list = items as IReadOnlyList<T> ?? items.ToList();
            var work = new SharedWork(list.Count, index => action(list[index]));
            board?.Post(work);
            try
            {
                var workers = new Task[Math.Max(0, Math.Min(maxThreads, list.Count) - 1)];
                for (int i = 0; i < workers.Length; i++)
                {
                    workers[i] = Task.Run(() => work.Help(cancellationToken));
                }

                work.Help(cancellationToken);
                work.Finish(cancellationToken);
                Task.WaitAll(workers);
            }
            finally
            {
                board?.Post(null);
            }
        }
    }
}
