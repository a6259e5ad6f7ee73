using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Runs the roots of a compilation as independent groups, on several threads where the machine has cores to
    /// spare, and gives the result one run over all of them would give where the groups cannot influence each other.
    /// <para>
    /// Roots influence each other only through the summaries: what one writes to a field or heap member, another
    /// reads. Calls do not (a callee is analysed again in each caller's context, and a shared memo only saves
    /// work). So the roots start grouped by syntax tree (driver code keeps its DMA paths in a file or two), each
    /// group runs with its own summaries, and then any two groups where one read an entry the other wrote are merged
    /// and run again, until no group reads what another writes. Every step depends only on the groups' own
    /// (deterministic) runs, never on thread timing, so the diagnostics are the same from build to build. One
    /// difference from one run, by design: the cap on the contexts a method is analysed in counts per group, so a
    /// helper that many files call is checked for each of them (PA0001.md, "What it does not follow").
    /// </para>
    /// <para>
    /// If the compilation's step budget runs out during the groups' runs, which groups got how far would depend on
    /// timing: the groups' results are dropped and all roots run in one group, in source order, with the full budget,
    /// as a sequential analysis would; the notice then names the same roots every time.
    /// </para>
    /// </summary>
    internal static class FlowGroups
    {
        public static IReadOnlyList<FlowRun> Run(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, long budget)
        {
            var groups = roots.GroupBy(r => r.Node.SyntaxTree).Select(g => (IReadOnlyList<BodyInfo>)g.ToList()).ToList();
            if (roots.Count < Parallelism.Threshold || groups.Count < 2 || flow.SingleRun)
            {
                return new[] { RunOne(flow, roots, new StepCounter(budget)) };
            }

            flow.CollectAllAndFreeze();
            var steps = new StepCounter(budget);
            var runs = RunAll(flow, groups, steps);
            while (!steps.Exceeded)
            {
                var merged = MergeConflicting(runs);
                if (merged == null)
                {
                    return runs;
                }

                // Groups that were not merged keep their results; merged ones run again, together.
                var toRun = merged.Where(m => m.Count > 1).Select(m => (IReadOnlyList<BodyInfo>)m.SelectMany(r => r.Roots).OrderBy(b => b.Order).ToList()).ToList();
                var rerun = RunAll(flow, toRun, steps);
                runs = merged.Where(m => m.Count == 1).Select(m => m[0]).Concat(rerun).OrderBy(r => r.Roots[0].Order).ToList();
            }

            return new[] { RunOne(flow, roots, new StepCounter(budget)) };
        }

        private static FlowRun RunOne(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, StepCounter steps)
        {
            var run = new FlowRun(flow, roots, steps);
            run.Run();
            return run;
        }

        private static List<FlowRun> RunAll(CompilationFlow flow, IReadOnlyList<IReadOnlyList<BodyInfo>> groups, StepCounter steps)
        {
            var runs = new FlowRun[groups.Count];
            if (groups.Count == 1)
            {
                runs[0] = RunOne(flow, groups[0], steps);
                return runs.ToList();
            }

            // Largest first, so that a big group does not start last and run alone at the end.
            var order = Enumerable.Range(0, groups.Count).OrderByDescending(i => groups[i].Count).ToList();
            Parallelism.ForEach(order, flow.MaxThreads, flow.CancellationToken, i => runs[i] = RunOne(flow, groups[i], steps));
            return runs.ToList();
        }

        /// <summary>
        /// Groups of runs to merge: runs joined when one read a summary entry another wrote (transitively). Null when
        /// no run read what another wrote.
        /// </summary>
        private static List<List<FlowRun>>? MergeConflicting(IReadOnlyList<FlowRun> runs)
        {
            var parent = Enumerable.Range(0, runs.Count).ToArray();
            int Find(int i)
            {
                while (parent[i] != i)
                {
                    parent[i] = parent[parent[i]];
                    i = parent[i];
                }

                return i;
            }

            bool any = false;
            void Union(int a, int b)
            {
                int ra = Find(a), rb = Find(b);
                if (ra != rb)
                {
                    parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
                    any = true;
                }
            }

            // Two runs that only write the same entry do not see each other; a run that reads an entry another
            // writes could have.
            var fieldWriters = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var heapWriters = new Dictionary<HeapKey, List<int>>();
            for (int i = 0; i < runs.Count; i++)
            {
                foreach (var field in runs[i].Writes.Fields.Keys) Writers(fieldWriters, field).Add(i);
                foreach (var heap in runs[i].Writes.Heap.Keys) Writers(heapWriters, heap).Add(i);
            }

            for (int i = 0; i < runs.Count; i++)
            {
                foreach (var field in runs[i].Reads.Fields.Keys)
                {
                    if (fieldWriters.TryGetValue(field, out var writers)) foreach (int writer in writers) Union(i, writer);
                }

                foreach (var heap in runs[i].Reads.Heap.Keys)
                {
                    if (heapWriters.TryGetValue(heap, out var writers)) foreach (int writer in writers) Union(i, writer);
                }
            }

            if (!any)
            {
                return null;
            }

            return Enumerable.Range(0, runs.Count).GroupBy(Find).OrderBy(g => g.Key).Select(g => g.Select(i => runs[i]).ToList()).ToList();
        }

        private static List<int> Writers<TKey>(Dictionary<TKey, List<int>> writers, TKey key)
            where TKey : notnull
        {
            if (!writers.TryGetValue(key, out var list))
            {
                writers[key] = list = new List<int>();
            }

            return list;
        }
    }
}
