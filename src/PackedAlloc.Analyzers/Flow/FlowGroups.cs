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
        /// <summary>The groups' outcomes, and whether the roots ran as independent groups (rather than as one).</summary>
        public static (IReadOnlyList<GroupOutcome> Outcomes, bool Grouped) Run(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, long budget)
        {
            var groups = ByTree(roots);
            if (roots.Count < Parallelism.Threshold || groups.Count < 2 || flow.SingleRun)
            {
                return (new[] { RunOne(flow, roots, new StepCounter(budget)) }, false);
            }

            flow.CollectAllAndFreeze();
            var steps = new StepCounter(budget);
            var outcomes = RunToIndependence(flow, groups, steps);
            return outcomes != null
                ? (outcomes, true)
                : (new[] { RunOne(flow, roots, new StepCounter(budget)) }, false);
        }

        /// <summary>
        /// Runs some roots as <see cref="Run"/> would run them among all (grouped by tree, merged where they read what
        /// another wrote), next to groups whose outcomes are already known and must stay independent of the new ones.
        /// Null when the budget ran out, or when a new group and a known one read what the other wrote: then the
        /// known outcomes do not hold, and the caller runs everything.
        /// </summary>
        public static IReadOnlyList<GroupOutcome>? RunBeside(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, IReadOnlyList<GroupOutcome> known, StepCounter steps)
        {
            // The index is not frozen: collecting every tree would cost more than the groups that run again
            // (CompilationFlow collects what the lookups need, by name).
            var outcomes = roots.Count == 0 ? new List<GroupOutcome>() : RunToIndependence(flow, ByTree(roots), steps);
            if (outcomes == null || outcomes.Any(o => known.Any(k => k.Conflicts(o))))
            {
                return null;
            }

            return known.Concat(outcomes).OrderBy(o => o.RootOrders[0]).ToList();
        }

        private static List<IReadOnlyList<BodyInfo>> ByTree(IReadOnlyList<BodyInfo> roots) =>
            roots.GroupBy(r => r.Node.SyntaxTree).Select(g => (IReadOnlyList<BodyInfo>)g.ToList()).ToList();

        /// <summary>Runs the groups, then merges and runs again those that read what another wrote, until none does; null when the budget ran out.</summary>
        private static List<GroupOutcome>? RunToIndependence(CompilationFlow flow, IReadOnlyList<IReadOnlyList<BodyInfo>> groups, StepCounter steps)
        {
            var outcomes = RunAll(flow, groups, steps);
            while (!steps.Exceeded)
            {
                var merged = MergeConflicting(outcomes);
                if (merged == null)
                {
                    return outcomes;
                }

                // Groups that were not merged keep their results; merged ones run again, together.
                var toRun = merged.Where(m => m.Count > 1)
                    .Select(m => (IReadOnlyList<BodyInfo>)m.SelectMany(o => o.RootOrders).OrderBy(order => order).Select(flow.BodyAt).ToList()).ToList();
                var rerun = RunAll(flow, toRun, steps);
                outcomes = merged.Where(m => m.Count == 1).Select(m => m[0]).Concat(rerun).OrderBy(o => o.RootOrders[0]).ToList();
            }

            return null;
        }

        private static GroupOutcome RunOne(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, StepCounter steps)
        {
            var run = new FlowRun(flow, roots, steps);
            run.Run();
            return GroupOutcome.Of(run, flow.TreeIndex);
        }

        private static List<GroupOutcome> RunAll(CompilationFlow flow, IReadOnlyList<IReadOnlyList<BodyInfo>> groups, StepCounter steps)
        {
            var outcomes = new GroupOutcome[groups.Count];
            if (groups.Count == 1)
            {
                outcomes[0] = RunOne(flow, groups[0], steps);
                return outcomes.ToList();
            }

            // Largest first, so that a big group does not start last and run alone at the end.
            var order = Enumerable.Range(0, groups.Count).OrderByDescending(i => groups[i].Count).ToList();
            Parallelism.ForEach(order, flow.MaxThreads, flow.CancellationToken, i => outcomes[i] = RunOne(flow, groups[i], steps), flow.Board);
            return outcomes.ToList();
        }

        /// <summary>
        /// Groups of outcomes to merge: joined when one read a summary entry another wrote (transitively). Null when
        /// no group read what another wrote.
        /// </summary>
        private static List<List<GroupOutcome>>? MergeConflicting(IReadOnlyList<GroupOutcome> outcomes)
        {
            var parent = Enumerable.Range(0, outcomes.Count).ToArray();
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

            // Two groups that only write the same entry do not see each other; a group that reads an entry another
            // writes could have.
            var fieldWriters = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var heapWriters = new Dictionary<HeapKey, List<int>>();
            for (int i = 0; i < outcomes.Count; i++)
            {
                foreach (var field in outcomes[i].FieldWrites) Writers(fieldWriters, field).Add(i);
                foreach (var heap in outcomes[i].HeapWrites) Writers(heapWriters, heap).Add(i);
            }

            for (int i = 0; i < outcomes.Count; i++)
            {
                foreach (var field in outcomes[i].FieldReads)
                {
                    if (fieldWriters.TryGetValue(field, out var writers)) foreach (int writer in writers) Union(i, writer);
                }

                foreach (var heap in outcomes[i].HeapReads)
                {
                    if (heapWriters.TryGetValue(heap, out var writers)) foreach (int writer in writers) Union(i, writer);
                }
            }

            if (!any)
            {
                return null;
            }

            return Enumerable.Range(0, outcomes.Count).GroupBy(Find).OrderBy(g => g.Key).Select(g => g.Select(i => outcomes[i]).ToList()).ToList();
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
