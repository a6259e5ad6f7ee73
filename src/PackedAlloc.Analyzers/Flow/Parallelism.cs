using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>The one place the analysis goes parallel: binding, graph building and independent groups of roots.</summary>
    internal static class Parallelism
    {
        /// <summary>Below this many items of work, one thread is cheaper than starting others.</summary>
        public const int Threshold = 64;

        /// <summary>The most threads one analysis uses, unless told otherwise (<see cref="CompilationFlow.MaxThreads"/>).</summary>
        public const int DefaultMaxThreads = 4;

        /// <summary>
        /// Runs <paramref name="action"/> for every item on up to <paramref name="maxThreads"/> threads. A cancellation surfaces as
        /// <see cref="OperationCanceledException"/> and any other failure as itself, not wrapped, so that callers
        /// handle them as they would on one thread.
        /// </summary>
        public static void ForEach<T>(IEnumerable<T> items, int maxThreads, CancellationToken cancellationToken, Action<T> action)
        {
            try
            {
                Parallel.ForEach(items, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, maxThreads) }, action);
            }
            catch (AggregateException aggregate)
            {
                var inner = aggregate.Flatten().InnerExceptions;
                ExceptionDispatchInfo.Capture(inner.FirstOrDefault(e => e is OperationCanceledException) ?? inner[0]).Throw();
                throw;
            }
        }
    }
}
