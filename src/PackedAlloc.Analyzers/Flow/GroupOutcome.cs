using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// What one group of roots found, kept after its <see cref="FlowRun"/> (and the run's memo of abstract states) is
    /// dropped: its findings, what it read and wrote of the summaries, and which trees it looked at. Roots and trees
    /// are named by position (a body's <see cref="BodyInfo.Order"/>, a tree's index in the compilation), which is
    /// the same in the next compilation of the project where the trees are: that is what lets an edit reuse the
    /// groups that did not look at the edited tree (<see cref="PreviousAnalysis"/>).
    /// </summary>
    internal sealed class GroupOutcome
    {
        private GroupOutcome(FlowRun run, IReadOnlyCollection<int> touchedTrees)
        {
            RootOrders = run.Roots.Select(r => r.Order).ToArray();
            TouchedTrees = touchedTrees;
            FieldReads = new HashSet<string>(run.Reads.Fields.Keys, System.StringComparer.Ordinal);
            HeapReads = new HashSet<HeapKey>(run.Reads.Heap.Keys);
            FieldWrites = new HashSet<string>(run.Writes.Fields.Keys, System.StringComparer.Ordinal);
            HeapWrites = new HashSet<HeapKey>(run.Writes.Heap.Keys);
            Findings = run.Findings.ToList();
            OverBudget = run.OverBudget.ToList();
            UncheckedRoots = run.UncheckedRoots.ToList();
            AllocationsByFlagSite = run.AllocationsByFlagSite;
            Steps = run.Steps;
            StepsAfterFirstRound = run.StepsAfterFirstRound;
            Analyses = run.Analyses;
            Rounds = run.Rounds;
        }

        /// <summary>The roots' <see cref="BodyInfo.Order"/>s, in source order.</summary>
        public IReadOnlyList<int> RootOrders { get; }

        /// <summary>
        /// The trees (by index in the compilation) whose code the group's results depend on: every body it analysed,
        /// every getter it read a property through, every place its findings point to.
        /// </summary>
        public IReadOnlyCollection<int> TouchedTrees { get; }

        public HashSet<string> FieldReads { get; }
        public HashSet<HeapKey> HeapReads { get; }
        public HashSet<string> FieldWrites { get; }
        public HashSet<HeapKey> HeapWrites { get; }
        public IReadOnlyList<Finding> Findings { get; }
        public IReadOnlyList<(BodyInfo Body, string Reason)> OverBudget { get; }
        public IReadOnlyList<BodyInfo> UncheckedRoots { get; }
        public IReadOnlyDictionary<Location, HashSet<Location>> AllocationsByFlagSite { get; }
        public long Steps { get; }
        public long StepsAfterFirstRound { get; }
        public long Analyses { get; }
        public int Rounds { get; }

        /// <summary>The outcome of a finished run; <paramref name="treeOrder"/> gives a tree's index in the compilation.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public static GroupOutcome Of(FlowRun run, System.Func<SyntaxTree?, int> treeOrder)
        {
            var touched = new HashSet<int>(run.TouchedTrees);
            void Add(Location location)
            {
                int order = treeOrder(location.SourceTree);
                if (order >= 0) touched.Add(order);
            }

            foreach (var finding in run.Findings)
            {
                foreach (var place in finding.Places) Add(place);
            }

            return new GroupOutcome(run, touched.OrderBy(t => t).ToArray());
        }

        /// <summary>Whether one of the two read a summary entry the other wrote: then they could have seen each other's results.</summary>
        public bool Conflicts(GroupOutcome other) =>
            ReadsAny(this, other) || ReadsAny(other, this);

        private static bool ReadsAny(GroupOutcome reader, GroupOutcome writer) =>
            reader.FieldReads.Overlaps(writer.FieldWrites) || reader.HeapReads.Overlaps(writer.HeapWrites);
    }
}
